//! QR codes for action URLs: unicode half blocks for the terminal, or a PNG file.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use ctt_core::ErrorKind;
use qrcode::render::unicode::Dense1x2;
use qrcode::{Color, EcLevel, QrCode};

use crate::fail::Failure;

/// Pixels per module in the PNG.
const SCALE: usize = 8;
/// The quiet zone around the code, in modules (the standard asks for 4).
const QUIET: usize = 4;

fn encode(text: &str) -> Result<QrCode, Failure> {
    // Level L: the smallest code, the easiest to scan from a terminal; a URL needs no more.
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L).map_err(|e| {
        Failure::failed(ErrorKind::InvalidInput, format!("cannot encode the URL as a QR code: {e}"))
    })
}

/// The code drawn with half blocks, light modules inked (reads well on dark terminals).
pub fn terminal(text: &str) -> Result<String, Failure> {
    Ok(encode(text)?.render::<Dense1x2>().dark_color(Dense1x2::Light).light_color(Dense1x2::Dark).build())
}

/// Writes the code as an 8-bit grayscale PNG.
pub fn write_png(text: &str, path: &Path) -> Result<(), Failure> {
    let code = encode(text)?;
    let width = code.width();
    let colors = code.to_colors();
    let side = (width + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            let (mx, my) = (i % width + QUIET, i / width + QUIET);
            for y in my * SCALE..(my + 1) * SCALE {
                pixels[y * side + mx * SCALE..y * side + (mx + 1) * SCALE].fill(0);
            }
        }
    }
    let io = |e: &dyn std::fmt::Display| {
        Failure::failed(ErrorKind::Internal, format!("cannot write {}: {e}", path.display()))
    };
    let file = File::create(path).map_err(|e| io(&e))?;
    let side32 = u32::try_from(side).map_err(|e| io(&e))?;
    let mut enc = png::Encoder::new(BufWriter::new(file), side32, side32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| io(&e))?;
    writer.write_image_data(&pixels).map_err(|e| io(&e))?;
    writer.finish().map_err(|e| io(&e))
}
