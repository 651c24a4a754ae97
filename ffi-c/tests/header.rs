//! Generates `include/ctt.h` with the pinned cbindgen and fails when the committed header
//! differs. `CTT_BLESS=1` rewrites the committed header instead.

use std::path::Path;

fn generate() -> String {
    let crate_dir = env!("CARGO_MANIFEST_DIR");
    let mut config =
        cbindgen::Config::from_file(Path::new(crate_dir).join("cbindgen.toml")).expect("cbindgen.toml");
    config.after_includes = Some(format!(
        "\n/** The version of this header; `ctt_version()` gives the library's. */\n\
         #define CTT_VERSION_MAJOR {}\n#define CTT_VERSION_MINOR {}\n#define CTT_VERSION_PATCH {}\n\
         #define CTT_VERSION_STRING \"{}\"\n",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
        env!("CARGO_PKG_VERSION"),
    ));
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(Path::new(crate_dir).join("src/lib.rs"))
        .generate()
        .expect("cbindgen could not generate the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("UTF-8 header")
}

#[test]
fn committed_header_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/ctt.h");
    let fresh = generate();
    if std::env::var_os("CTT_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("write include/ctt.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/ctt.h differs from a fresh generation: run `CTT_BLESS=1 cargo test -p ctt-ffi --test header` and commit it"
    );
}

#[test]
fn header_version_macros_match_the_crate() {
    let h = generate();
    for (name, v) in [
        ("CTT_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("CTT_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("CTT_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        assert!(h.contains(&format!("#define {name} {v}\n")), "{name}");
    }
}

#[test]
fn every_exported_function_is_documented_in_the_header() {
    let h = generate();
    let lines: Vec<&str> = h.lines().collect();
    let mut undocumented = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let decl = line.trim_start();
        let is_fn = decl.contains(" ctt_")
            && decl.contains('(')
            && !decl.starts_with('*')
            && !decl.starts_with("typedef");
        if is_fn && !lines[..i].iter().rev().take(3).any(|l| l.trim_start().starts_with("*/")) {
            undocumented.push(decl.to_owned());
        }
    }
    assert!(undocumented.is_empty(), "undocumented: {undocumented:#?}");
}
