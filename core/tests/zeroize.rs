//! Secrets are wiped before their memory is freed. A counting allocator scans every freed block
//! for a marker; this file holds one test so no other test's allocations interfere.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

const MARKER: &[u8] = b"zeroize-marker-5b1e9c3f";

struct Scanning;

static FREED_WITH_MARKER: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the block is still ours until System.dealloc below.
        let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
        if block.windows(MARKER.len()).any(|w| w == MARKER) {
            FREED_WITH_MARKER.fetch_add(1, Ordering::SeqCst);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Scanning = Scanning;

fn marker_string(extra_capacity: usize) -> String {
    let mut s = String::with_capacity(MARKER.len() + extra_capacity);
    s.push_str(std::str::from_utf8(MARKER).unwrap());
    s
}

#[test]
fn secrets_are_wiped_before_they_are_freed() {
    // The scanner itself works: a plain String with the marker is caught.
    drop(marker_string(0));
    assert_eq!(FREED_WITH_MARKER.swap(0, Ordering::SeqCst), 1, "the scanner must see a plain string");

    for extra in [0, 1, 64] {
        let secret = ctt_core::Secret::new(marker_string(extra));
        let copy = secret.clone();
        assert_eq!(copy.expose().as_bytes(), MARKER);
        drop(secret);
        drop(copy);
    }
    let body = format!(
        r#"{{"msalAuthenticationResult":{{"authenticationResult":{{"accessToken":"{}"}}}}}}"#,
        std::str::from_utf8(MARKER).unwrap()
    );
    let parsed = ctt_core::parse_authentication_result(body.as_bytes()).unwrap();
    drop(parsed);
    std::mem::forget(body); // the caller's own buffer is the caller's to wipe
    assert_eq!(FREED_WITH_MARKER.load(Ordering::SeqCst), 0, "a secret was freed without being wiped");
}
