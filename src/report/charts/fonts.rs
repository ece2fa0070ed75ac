//! The charts' fonts: DejaVu Sans for Latin text, and a subset of Noto Sans SC for text
//! DejaVu cannot draw (Chinese tranche, segment and scenario names; Chinese labels), both
//! embedded, so a machine without fonts draws every label.
//!
//! plotters' `ab_glyph` text has no per-glyph fallback (a glyph missing from the font is a
//! box), so the fallback is per text run: [`Fallback`] wraps the PNG backend and draws a run
//! holding any character DejaVu lacks with the CJK font, which also covers Latin letters and
//! digits, so a mixed run such as `优先A 75%` is drawn in one face. Runs DejaVu covers are
//! passed through untouched (their pixels are as before). SVG keeps text as text; the
//! viewer's fonts draw it.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

use super::FONT;
use crate::report::ReportError;

/// DejaVu Sans 2.37 (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`).
pub(super) static DEJAVU_SANS: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Noto Sans SC 2.004 cut to GB 2312 level 1 and the CJK punctuation and full-width forms
/// (SIL OFL 1.1, `assets/fonts/LICENSE-NotoSansCJK.txt`; made by
/// `assets/fonts/make_cjk_subset.py`).
static NOTO_SANS_SC: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-Subset.otf");

/// The family the CJK font is registered under.
pub const CJK_FONT: &str = "cjk-sans";

/// Registers DejaVu Sans as [`FONT`] and the CJK subset as [`CJK_FONT`], once per process.
/// Drawing text before this fails, since no system font is ever looked up.
pub fn register_embedded_fonts() -> Result<(), ReportError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS).is_ok()
            && plotters::style::register_font(CJK_FONT, FontStyle::Normal, NOTO_SANS_SC).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ReportError::Chart {
            chart: "font".into(),
            message: "the embedded fonts (DejaVu Sans, Noto Sans SC) could not be read".into(),
        })
    }
}

fn parsed(bytes: &'static [u8]) -> FontRef<'static> {
    FontRef::try_from_slice(bytes).expect("the embedded font parses (checked by a test)")
}

/// Whether DejaVu Sans has a glyph for `c` (glyph 0 is `.notdef`, the box).
fn latin_font_has(c: char) -> bool {
    static DEJAVU: OnceLock<FontRef<'static>> = OnceLock::new();
    c.is_whitespace() || DEJAVU.get_or_init(|| parsed(DEJAVU_SANS)).glyph_id(c).0 != 0
}

/// Whether the CJK subset has a glyph for `c`.
pub fn cjk_font_has(c: char) -> bool {
    static NOTO: OnceLock<FontRef<'static>> = OnceLock::new();
    c.is_whitespace() || NOTO.get_or_init(|| parsed(NOTO_SANS_SC)).glyph_id(c).0 != 0
}

/// The family a text run is drawn with: [`CJK_FONT`] when DejaVu lacks one of its
/// characters and the CJK font has it; else the run's own.
pub fn needs_cjk_font(text: &str) -> bool {
    text.chars().any(|c| !latin_font_has(c) && cjk_font_has(c))
}

/// A backend that draws every text run DejaVu cannot with the CJK font; everything else is
/// the wrapped backend's own drawing.
pub struct Fallback<B>(pub B);

/// The size of the CJK font that draws its letters as large as DejaVu's at size 1.
///
/// ab_glyph takes a font size as the line height (ascent − descent), and Noto's line is
/// taller for its em than DejaVu's (1.448 em against 1.164 em), so at the same size its
/// glyphs come out a fifth smaller. Scaling by the ratio of the two line heights in em gives
/// both the same em.
fn cjk_size_ratio() -> f64 {
    static RATIO: OnceLock<f64> = OnceLock::new();
    *RATIO.get_or_init(|| {
        let line_in_em = |font: &FontRef<'_>| {
            f64::from(font.height_unscaled()) / f64::from(font.units_per_em().unwrap_or(1000.0))
        };
        line_in_em(&parsed(NOTO_SANS_SC)) / line_in_em(&parsed(DEJAVU_SANS))
    })
}

/// The style of a run drawn with the CJK font: the run's size (in DejaVu's em), transform,
/// colour and anchor.
fn cjk_style<S: BackendTextStyle>(style: &S) -> TextStyle<'static> {
    TextStyle {
        font: FontDesc::new(
            FontFamily::Name(CJK_FONT),
            style.size() * cjk_size_ratio(),
            style.style(),
        )
        .transform(style.transform()),
        color: style.color(),
        pos: style.anchor(),
    }
}

impl<B: DrawingBackend> DrawingBackend for Fallback<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if needs_cjk_font(text) {
            self.0.draw_text(text, &cjk_style(style), pos)
        } else {
            self.0.draw_text(text, style, pos)
        }
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        if needs_cjk_font(text) {
            self.0.estimate_text_size(text, &cjk_style(style))
        } else {
            self.0.estimate_text_size(text, style)
        }
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_fonts_parse_and_cover_what_they_should() {
        let _ = parsed(DEJAVU_SANS);
        let _ = parsed(NOTO_SANS_SC);
        for c in "A-1 2015 % ± ×".chars() {
            assert!(latin_font_has(c) && cjk_font_has(c), "{c}");
        }
        // common hanzi (GB 2312 level 1 holds 白 条 优 先 次 级 档), CJK punctuation and
        // full-width forms
        for c in "白条优先次级档新客老客、。《》（），：％￥".chars() {
            assert!(!latin_font_has(c), "DejaVu has no {c}");
            assert!(cjk_font_has(c), "the subset has {c}");
        }
    }

    use plotters::coord::Shift;

    const SIZE: (u32, u32) = (160, 56);

    fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, text: &str) {
        root.fill(&WHITE).unwrap();
        let style = (FONT, 36).into_font().color(&BLACK);
        root.draw_text(text, &style.into_text_style(&root), (8, 8))
            .unwrap();
        root.present().unwrap();
    }

    /// `text` drawn black on white, through the fallback or on the bare bitmap (DejaVu only).
    fn pixels(text: &str, fallback: bool) -> Vec<u8> {
        register_embedded_fonts().unwrap();
        let mut pixels = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
        let bitmap = BitMapBackend::with_buffer(&mut pixels, SIZE);
        if fallback {
            draw(Fallback(bitmap).into_drawing_area(), text);
        } else {
            draw(bitmap.into_drawing_area(), text);
        }
        pixels
    }

    /// Pixels darker than mid-grey.
    fn ink(pixels: &[u8]) -> usize {
        pixels.chunks(3).filter(|p| p[0] < 128).count()
    }

    #[test]
    fn chinese_draws_real_glyphs_not_boxes() {
        // DejaVu draws every hanzi as the same box: the bare bitmap shows 白 and 条 alike
        let (bai_box, tiao_box) = (pixels("白", false), pixels("条", false));
        assert_eq!(
            bai_box, tiao_box,
            "DejaVu has neither glyph: both are its box"
        );
        assert!(ink(&bai_box) > 0, "the box is drawn");
        // through the fallback each is its own glyph, with ink, and not the box
        let (bai, tiao) = (pixels("白", true), pixels("条", true));
        assert!(
            ink(&bai) > 50 && ink(&tiao) > 50,
            "{} {}",
            ink(&bai),
            ink(&tiao)
        );
        assert_ne!(bai, tiao);
        assert_ne!(bai, bai_box);
        assert_ne!(pixels("优先A", true), pixels("优先A", false));
        // a run DejaVu can draw is passed through: the same pixels as before the fallback
        assert_eq!(pixels("Loss 1.5% ±", true), pixels("Loss 1.5% ±", false));
    }

    #[test]
    fn the_cjk_font_is_scaled_to_dejavu_s_em() {
        // hhea of Noto Sans CJK SC: ascender 1160, descender -288 per 1000 units; DejaVu Sans:
        // 1901 and -483 per 2048
        let expected = (1448.0 / 1000.0) / (2384.0 / 2048.0);
        assert!(
            (cjk_size_ratio() - expected).abs() < 1e-9,
            "{}",
            cjk_size_ratio()
        );
    }

    #[test]
    fn runs_with_characters_dejavu_lacks_take_the_cjk_font() {
        assert!(!needs_cjk_font("Tranche A — loss 1.5% (±0.2)"));
        assert!(needs_cjk_font("优先A"));
        assert!(needs_cjk_font("Pool 资产池 balance"));
        // a character neither font has: no gain from switching
        assert!(!needs_cjk_font("\u{e000}"));
    }
}
