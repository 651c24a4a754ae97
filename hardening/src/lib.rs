//! Hardening evidence for ctt. Everything lives in `tests/` (the Rust tests) and in the C and
//! Python programs next to them; see `hardening/README.md`.
