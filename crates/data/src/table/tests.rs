//! Tests of the table reader.

use super::*;

fn table(text: &'static str, format: TableFormat) -> Result<Table> {
    let source = Source::Embedded {
        name: "t.tsv".into(),
        bytes: text.as_bytes(),
    };
    Table::read(&source, format, 1)
}

#[test]
fn typed_and_text_reads_give_the_same_values() {
    let text = "1\t10\t4.5\t100\n2\t11\t3\t200\n\n3\t12\t1.0\t300\n";
    let typed = table(text, TableFormat::tsv(false).typed(RATINGS)).unwrap();
    let plain = table(text, TableFormat::tsv(false)).unwrap();
    assert_eq!(typed.frame.columns()[0].dtype(), &DataType::Int64);
    assert_eq!(plain.frame.columns()[0].dtype(), &DataType::String);
    for t in [&typed, &plain] {
        assert_eq!(t.parse::<u32>(0, "user").unwrap(), vec![1, 2, 3]);
        assert_eq!(t.parse::<i64>(1, "item").unwrap(), vec![10, 11, 12]);
        assert_eq!(t.parse::<f64>(2, "rating").unwrap(), vec![4.5, 3.0, 1.0]);
        assert_eq!(t.parse::<i64>(3, "time").unwrap(), vec![100, 200, 300]);
        // Row 2 sits on line 4, after a blank line.
        assert_eq!(t.line_of_row(2), 4);
    }
}

#[test]
fn a_bad_number_in_a_typed_file_names_its_line() {
    let format = TableFormat::tsv(false).typed(RATINGS);
    let t = table("1\t10\t4\t100\n2\t1x\t3\t200\n", format).unwrap();
    let e = t.parse::<i64>(1, "item id").unwrap_err().to_string();
    assert!(e.contains("line 2") && e.contains("`1x`"), "{e}");
    // Typed, but out of the range of the type asked for.
    let t = table("1\t10\t4\t100\n-2\t11\t3\t200\n", format).unwrap();
    let e = t.parse::<u32>(0, "user id").unwrap_err().to_string();
    assert!(e.contains("line 2") && e.contains("-2"), "{e}");
    // An empty cell.
    let t = table("1\t10\t4\t100\n2\t\t3\t200\n", format).unwrap();
    let e = t.parse::<i64>(1, "item id").unwrap_err().to_string();
    assert!(e.contains("line 2"), "{e}");
}
