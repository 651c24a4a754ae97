//! Gives libctt.so its versioned soname: `libctt.so.<major>` (for 0.x: `libctt.so.0.<minor>`,
//! since every 0.x minor release may break the ABI).
fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let soname = if major == "0" { format!("libctt.so.0.{minor}") } else { format!("libctt.so.{major}") };
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
