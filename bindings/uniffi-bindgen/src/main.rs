//! `uniffi-bindgen`: generates the Kotlin and Swift sources from the built `libctt_uniffi.so`
//! (library mode).

fn main() {
    uniffi::uniffi_bindgen_main()
}
