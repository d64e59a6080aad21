//! [`settings!`](crate::settings): a configuration declared key by key.

/// Declares settings — a model's configuration or a group of keys several configurations
/// share — with each key written once: its doc comment, type, default, [`Range`] and help
/// text together.
///
/// ```
/// use gnnrec_models::config::{Range, Settings};
/// use gnnrec_models::training::{LoopSettings, Schedule};
///
/// gnnrec_models::settings! {
///     /// Settings of a toy model.
///     pub struct ToyConfig {
///         /// Embedding dimension.
///         pub dim: usize = 32 => (Range::Positive, "embedding dimension"),
///         /// Learning rate, batch, epochs, evaluation, early stopping and schedule.
///         pub train: LoopSettings = LoopSettings {
///             epochs: 20,
///             schedule: Schedule::Constant,
///             ..LoopSettings::default()
///         } => flatten,
///     }
/// }
///
/// let keys: Vec<_> = ToyConfig::keys().iter().map(|k| k.name).collect();
/// assert_eq!(keys[..3], ["dim", "lr", "batch"]);
/// assert_eq!(ToyConfig::default().train.epochs, 20);
/// let json = serde_json::to_value(ToyConfig::default()).unwrap();
/// assert_eq!(json["dim"], 32);
/// assert_eq!(json["epochs"], 20); // flattened: one flat object of keys
/// ```
///
/// Each field is `name: Type = default => (range, "help")`, a documented key, or
/// `name: Group = default => flatten`, a group of keys (itself declared by this macro)
/// flattened into the JSON object and listed in [`Settings::keys`] at its place;
/// `=> flatten deref` also makes the group's fields readable as the configuration's own
/// (`cfg.dim`, through [`Deref`](std::ops::Deref); at most one group per struct). Further
/// attributes of a field (`#[serde(deserialize_with = …)]`) and of the struct
/// (`#[derive(Copy)]`) are kept.
///
/// It makes the struct (`Debug`, `Clone`, `PartialEq`, serde's `Serialize` and `Deserialize`
/// with `#[serde(default)]`: the crate using it depends on `serde`), its `Default` from the
/// defaults, and its [`Settings`] impl, whose keys follow the fields' order. A model's
/// configuration then implements [`ModelConfig`] (its renamed keys and cross-key checks; often
/// empty: `impl ModelConfig for ToyConfig {}`).
///
/// [`Range`]: crate::config::Range
/// [`Settings`]: crate::config::Settings
/// [`Settings::keys`]: crate::config::Settings::keys
/// [`ModelConfig`]: crate::config::ModelConfig
#[macro_export]
macro_rules! settings {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident { $($body:tt)* }
    ) => {
        $crate::settings!(@field [$(#[$meta])* $vis $name] [] [] [] [] $($body)*);
    };
    // A group, flattened and read through `Deref`.
    (@field $head:tt [$($fields:tt)*] [$($defaults:tt)*] [$($keys:tt)*] []
        $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty = $default:expr => flatten deref
        $(, $($rest:tt)*)?
    ) => {
        $crate::settings!(@field $head
            [$($fields)* $(#[$fmeta])* #[serde(flatten)] $fvis $field: $ty,]
            [$($defaults)* $field: $default,]
            [$($keys)* <$ty as $crate::framework::config::Settings>::keys(),]
            [$field: $ty]
            $($($rest)*)?);
    };
    // A group, flattened.
    (@field $head:tt [$($fields:tt)*] [$($defaults:tt)*] [$($keys:tt)*] $deref:tt
        $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty = $default:expr => flatten
        $(, $($rest:tt)*)?
    ) => {
        $crate::settings!(@field $head
            [$($fields)* $(#[$fmeta])* #[serde(flatten)] $fvis $field: $ty,]
            [$($defaults)* $field: $default,]
            [$($keys)* <$ty as $crate::framework::config::Settings>::keys(),]
            $deref
            $($($rest)*)?);
    };
    // A documented key.
    (@field $head:tt [$($fields:tt)*] [$($defaults:tt)*] [$($keys:tt)*] $deref:tt
        $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty = $default:expr
            => ($range:expr, $help:expr $(,)?)
        $(, $($rest:tt)*)?
    ) => {
        $crate::settings!(@field $head
            [$($fields)* $(#[$fmeta])* $fvis $field: $ty,]
            [$($defaults)* $field: $default,]
            [$($keys)* ::std::vec![
                $crate::framework::config::Key::new(::std::stringify!($field), $range, $help)
            ],]
            $deref
            $($($rest)*)?);
    };
    // Every field read: the struct, its defaults, its keys.
    (@field [$(#[$meta:meta])* $vis:vis $name:ident] [$($fields:tt)*] [$($defaults:tt)*]
        [$($keys:tt)*] [$($dfield:ident : $dty:ty)?]
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(default)]
        $vis struct $name {
            $($fields)*
        }

        impl ::std::default::Default for $name {
            fn default() -> Self {
                $name { $($defaults)* }
            }
        }

        impl $crate::framework::config::Settings for $name {
            fn keys() -> ::std::vec::Vec<$crate::framework::config::Key> {
                let groups: ::std::vec::Vec<::std::vec::Vec<$crate::framework::config::Key>> =
                    ::std::vec![$($keys)*];
                groups.concat()
            }
        }

        $(
            impl ::std::ops::Deref for $name {
                type Target = $dty;
                fn deref(&self) -> &$dty {
                    &self.$dfield
                }
            }
        )?
    };
}
