//! What each fetchable dataset is made of: the publisher's URLs, how the download unpacks,
//! the license shown before downloading, and the sha256 of every file we can vouch for.
//!
//! Pins come from the `PROVENANCE.md` files of the datasets this project was measured on,
//! and only for files recorded there as byte copies of the publisher's: a file marked there
//! as rebuilt (gowalla's and yelp2018's `train.txt`, HetRec's `user_taggedartists.dat`, whose
//! interaction sets are exact but whose bytes are not the publisher's) is not pinned, nor is
//! any file of a dataset we have not held (ml-1m, amazon-book); for those the fetch prints
//! the hash it computed, for the user to record.

/// How a download becomes files of the dataset's folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpack {
    /// A zip archive; entries under `strip` (a top folder, with its `/`) are placed without it.
    Zip {
        /// The archive's top folder, if it has one.
        strip: Option<&'static str>,
    },
    /// A single file, saved under this name.
    File(&'static str),
}

/// One download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remote {
    /// The publisher's URL.
    pub url: &'static str,
    /// What it unpacks to.
    pub unpack: Unpack,
}

/// A dataset `gnnrec data fetch` can download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatasetSource {
    /// Its name (as `--dataset` takes it).
    pub name: &'static str,
    /// Its folder under the data directory.
    pub folder: &'static str,
    /// About how much is downloaded.
    pub size: &'static str,
    /// The license terms, printed before downloading.
    pub license: &'static str,
    /// The downloads.
    pub remotes: &'static [Remote],
    /// `(file, sha256)` of the files we vouch for, relative to the folder.
    pub pins: &'static [(&'static str, &'static str)],
    /// A file whose presence means the dataset is already there.
    pub marker: &'static str,
}

macro_rules! lightgcn_files {
    ($ds:literal, $($f:literal),+) => {
        &[$(Remote {
            url: concat!("https://raw.githubusercontent.com/gusye1234/LightGCN-PyTorch/master/data/", $ds, "/", $f),
            unpack: Unpack::File($f),
        }),+]
    };
}

/// Every dataset that can be fetched.
pub static CATALOG: &[DatasetSource] = &[
    DatasetSource {
        name: "ml-latest-small",
        folder: "ml-latest-small",
        size: "1 MB zip",
        license: "MovieLens latest-small (GroupLens): free to use and redistribute for research \
                  under the terms of its README.txt; cite Harper & Konstan (2015).",
        remotes: &[Remote {
            url: "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip",
            unpack: Unpack::Zip {
                strip: Some("ml-latest-small/"),
            },
        }],
        pins: &[
            (
                "README.txt",
                "63d22ac138e80fae37021797ed8e1b9424b5239dc576a137422adf783ae3f404",
            ),
            (
                "links.csv",
                "97ad18e4e56a09363c65676b6cb3482ce3e2cea2372a24620c1599c843325f31",
            ),
            (
                "movies.csv",
                "5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07",
            ),
            (
                "ratings.csv",
                "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646",
            ),
            (
                "tags.csv",
                "92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d",
            ),
        ],
        marker: "ratings.csv",
    },
    DatasetSource {
        name: "ml-100k",
        folder: "ml-100k",
        size: "5 MB zip",
        license: "MovieLens 100K (GroupLens): research use only; it may NOT be redistributed \
                  (do not commit it or publish copies); cite Harper & Konstan (2015).",
        remotes: &[Remote {
            url: "https://files.grouplens.org/datasets/movielens/ml-100k.zip",
            unpack: Unpack::Zip {
                strip: Some("ml-100k/"),
            },
        }],
        pins: &[
            (
                "README",
                "4883b8cf340ed0059971b33f56ad3adc88a40792108ebca3d24aafc4c82e8b52",
            ),
            (
                "u.data",
                "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
            ),
            (
                "u.genre",
                "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb",
            ),
            (
                "u.info",
                "5b0a40b2e47a729ee6203063f6dcf8790c2e63f5a18663e6ee318a72c5f3c27b",
            ),
            (
                "u.item",
                "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
            ),
            (
                "u.occupation",
                "cd5fbec9afe345d993a62fc7817df1a4a9079c4feb267b3118763b8fd942137d",
            ),
            (
                "u.user",
                "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
            ),
            (
                "u1.base",
                "ce253ec86c448b44fb3ba9a30d12dcfc2e9210cbde71efada3730c22e9ac212a",
            ),
            (
                "u1.test",
                "18c6014a4b2c7324f250a63f8904a7b16b2b19f911129e346141507b0cbac950",
            ),
            (
                "u2.base",
                "6c06f0b5df4b256da1a994f3ac66edc8da4d3f09bc9282df6b14d893366d703e",
            ),
            (
                "u2.test",
                "4de658d1e04ed9104629509a2e2528fce833ac8e048280183f1df167632038c3",
            ),
            (
                "u3.base",
                "afdc155c291c6edc41c0407e39d7462eb98d341e064f0b0a12175b80b3c4af5d",
            ),
            (
                "u3.test",
                "0f548b51c78327de4c156461d3e430b7e5579fe2b5681586a59416e48fd35f6d",
            ),
            (
                "u4.base",
                "219f0f4d40dfe9c5141d425f53fa91ee23ed275f14e280bbf1b50117afb064ca",
            ),
            (
                "u4.test",
                "7c02ad0a1e7ab1083c8b9d4b627203a051dd7b5eab46d99fa44de33470de8db9",
            ),
            (
                "u5.base",
                "a9574e59ce961eec2121627760b6e9b0974ce1637b3fe69ac32cb14a4bfab485",
            ),
            (
                "u5.test",
                "351cc52e0d15b6c721466276fc24671d40936899e3d01fadeaf312915b8c5634",
            ),
            (
                "ua.base",
                "67b5bcdb380c29f85d56a012ecd88612ae020f30a6730d117a334ee8203b91f2",
            ),
            (
                "ua.test",
                "d0497e202417720f57a184ec8c66be2d1afa4ff41bb53787c57b28d6bf79bc42",
            ),
            (
                "ub.base",
                "237254d253b6ad7de84f919d041055428646254f34ed8f562703c899430cd881",
            ),
            (
                "ub.test",
                "d54a72d05730d5892062734b2bec73e976f9b713d18c828a18b968d6cce442da",
            ),
        ],
        marker: "u.data",
    },
    DatasetSource {
        name: "ml-1m",
        folder: "ml-1m",
        size: "6 MB zip",
        license: "MovieLens 1M (GroupLens): research use only; it may NOT be redistributed; \
                  cite Harper & Konstan (2015).",
        remotes: &[Remote {
            url: "https://files.grouplens.org/datasets/movielens/ml-1m.zip",
            unpack: Unpack::Zip {
                strip: Some("ml-1m/"),
            },
        }],
        pins: &[],
        marker: "ratings.dat",
    },
    DatasetSource {
        name: "lastfm-hetrec",
        folder: "lastfm/hetrec2011",
        size: "3 MB zip",
        license: "HetRec 2011 Last.fm (GroupLens / Last.fm): non-commercial use only; cite \
                  Cantador et al., HetRec 2011.",
        remotes: &[Remote {
            url: "https://files.grouplens.org/datasets/hetrec2011/hetrec2011-lastfm-2k.zip",
            unpack: Unpack::Zip { strip: None },
        }],
        pins: &[
            (
                "artists.dat",
                "c173881362c6b28551368fecb3c0be5a6a30a6cd859e1f5775413dfe46d48648",
            ),
            (
                "tags.dat",
                "e95175f259be4c0c47644ae23d66131cd6d5767142a1405000e79f5584691d70",
            ),
            (
                "user_artists.dat",
                "001400dc3c7d2667fca6e4ea6dc6acc31a9dd28ad5cd0f74cea988c019934d3b",
            ),
            (
                "user_friends.dat",
                "9a3a8f7fa5f5ec832335e5b58ed69a4cf27c6f6f6afcde62134810eea46445a7",
            ),
        ],
        marker: "user_artists.dat",
    },
    DatasetSource {
        name: "lastfm",
        folder: "lastfm",
        size: "1 MB",
        license: "Last.fm, the LightGCN split (derived from HetRec 2011): non-commercial use only.",
        remotes: lightgcn_files!("lastfm", "data1.txt", "test1.txt", "trustnetwork.txt"),
        pins: &[
            (
                "data1.txt",
                "c82af3228cbbda2f55a39244de09ed93292894f1d0d9f1908ebb57e27598fded",
            ),
            (
                "test1.txt",
                "de4417c0e6123284ce59a0934bcf5288ec1ec8774a18a1eef453c9952dfa48f9",
            ),
            (
                "trustnetwork.txt",
                "5b5bd7cbe4d22f3cd333dbfc7ec4b995cb2bdb28d95b0e9c5fc5607079f7b69e",
            ),
        ],
        marker: "data1.txt",
    },
    DatasetSource {
        name: "gowalla",
        folder: "gowalla",
        size: "7 MB",
        license: "Gowalla check-ins (SNAP), the LightGCN split: no license stated by the \
                  repository; the SNAP data is for research use. Do not redistribute.",
        remotes: lightgcn_files!(
            "gowalla",
            "train.txt",
            "test.txt",
            "user_list.txt",
            "item_list.txt"
        ),
        pins: &[
            (
                "test.txt",
                "099a2a73924e4b754dc6efd730d764f492321b53c38eb93298850c83acf57be3",
            ),
            (
                "user_list.txt",
                "5344c4d0deef610e1f148f23ad216a0db03b36f88834cd39a06786a672c5f5a1",
            ),
            (
                "item_list.txt",
                "6b186f92890cc3f0c15a6dae5d6285f125a302bb8c5ea0cd9a16cf9c16347139",
            ),
        ],
        marker: "train.txt",
    },
    DatasetSource {
        name: "yelp2018",
        folder: "yelp2018",
        size: "11 MB",
        license: "Yelp2018, the LightGCN split: the Yelp Open Dataset terms — academic, \
                  non-commercial use only, no redistribution.",
        remotes: lightgcn_files!(
            "yelp2018",
            "train.txt",
            "test.txt",
            "user_list.txt",
            "item_list.txt"
        ),
        pins: &[
            (
                "test.txt",
                "9cd9b37926cd1447a06625ffa7914527573fb097c10cb0bbdb1d1b8ded3742fe",
            ),
            (
                "user_list.txt",
                "4931519d8b3c40d71a34cc386c3287b6d63c1be9a82edd7ee6bfad765e640778",
            ),
            (
                "item_list.txt",
                "1091bc824b60561906df552f2f7cb3ec61767b1e46fd4386b44400ae49712007",
            ),
        ],
        marker: "train.txt",
    },
    DatasetSource {
        name: "amazon-book",
        folder: "amazon-book",
        size: "20 MB",
        license: "Amazon-Book (McAuley et al.'s Amazon review data), the LightGCN split: research \
                  use only; do not redistribute.",
        remotes: lightgcn_files!(
            "amazon-book",
            "train.txt",
            "test.txt",
            "user_list.txt",
            "item_list.txt"
        ),
        pins: &[],
        marker: "train.txt",
    },
];

/// The catalog entry of `name`.
pub fn find(name: &str) -> Option<&'static DatasetSource> {
    CATALOG.iter().find(|d| d.name == name)
}

/// Where `url` is fetched from: the publisher, or with `mirror` set, `mirror/HOST/PATH`
/// (a mirror holds the publishers' trees under their host names).
pub fn mirrored(url: &str, mirror: Option<&str>) -> String {
    match mirror {
        None => url.to_string(),
        Some(base) => {
            let rest = url.split_once("://").map_or(url, |(_, r)| r);
            format!("{}/{}", base.trim_end_matches('/'), rest)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUPLENS: &str = "https://files.grouplens.org/datasets";
    const LIGHTGCN: &str =
        "https://raw.githubusercontent.com/gusye1234/LightGCN-PyTorch/master/data";

    #[test]
    fn every_entry_is_well_formed() {
        for d in CATALOG {
            assert!(!d.remotes.is_empty(), "{}", d.name);
            for r in d.remotes {
                assert!(
                    r.url.starts_with(GROUPLENS) || r.url.starts_with(LIGHTGCN),
                    "{}",
                    r.url
                );
            }
            for (f, h) in d.pins {
                assert_eq!(h.len(), 64, "{}: {f}", d.name);
                assert!(h.bytes().all(|c| c.is_ascii_hexdigit()), "{}: {f}", d.name);
            }
        }
        assert_eq!(
            mirrored(
                "https://files.grouplens.org/a/b.zip",
                Some("http://127.0.0.1:9/m/")
            ),
            "http://127.0.0.1:9/m/files.grouplens.org/a/b.zip"
        );
    }
}
