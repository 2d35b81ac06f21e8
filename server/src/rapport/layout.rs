//! A small page layout over krilla: text measured with the font's advance widths, wrapped at
//! word boundaries, placed line by line on A4 pages with page breaks; laid out first and drawn
//! after, so every page's footer can say "Pagina N van M".

use std::collections::HashMap;
use std::sync::OnceLock;

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, FillRule, LineCap, LineJoin, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in PDF points.
pub const PAGE_W: f32 = 595.276;
pub const PAGE_H: f32 = 841.89;
pub const MARGIN_X: f32 = 56.0;
const TOP: f32 = 56.0;
/// Where body text stops; the footer sits below.
const BOTTOM: f32 = PAGE_H - 64.0;
pub const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
/// Where a field's value starts, from the left margin.
pub const COL: f32 = 140.0;

pub type Rgb = (u8, u8, u8);
pub const BLACK: Rgb = (0x1a, 0x1a, 0x1a);
pub const GREY: Rgb = (0x5a, 0x5a, 0x5a);
pub const ACCENT: Rgb = (0x1f, 0x3a, 0x5f);
pub const RED: Rgb = (0xa3, 0x1d, 0x1d);
pub const GREEN: Rgb = (0x1d, 0x6b, 0x34);
pub const RULE: Rgb = (0xb8, 0xc2, 0xcc);
pub const SHADE: Rgb = (0xf1, 0xf3, 0xf5);

/// A font with its advance widths per character, in ems.
pub struct Face {
    pub font: Font,
    widths: HashMap<u32, f32>,
    fallback: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Option<Face> {
        let font = Font::new(data.into(), 0)?;
        let parsed = FontRef::new(data).ok()?;
        let metrics = parsed.glyph_metrics(Size::new(1.0), LocationRef::default());
        let widths: HashMap<u32, f32> = parsed
            .charmap()
            .mappings()
            .filter_map(|(c, g)| Some((c, metrics.advance_width(g)?)))
            .collect();
        let fallback = widths.get(&u32::from('?')).copied().unwrap_or(0.6);
        Some(Face {
            font,
            widths,
            fallback,
        })
    }

    /// The width of `text` at `size` points (no kerning: DejaVu's pairs only narrow a line).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| {
                self.widths
                    .get(&u32::from(c))
                    .copied()
                    .unwrap_or(self.fallback)
            })
            .sum::<f32>()
            * size
    }
}

/// The two shipped faces (DejaVu Sans regular and bold), parsed once per process.
pub struct Faces {
    pub regular: Face,
    pub bold: Face,
}

pub fn faces() -> Option<&'static Faces> {
    static FACES: OnceLock<Option<Faces>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            Some(Faces {
                regular: Face::load(REGULAR)?,
                bold: Face::load(BOLD)?,
            })
        })
        .as_ref()
}

/// Text as the font can draw it: control characters become spaces (a recorded text is outside
/// input and may carry anything).
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

/// Splits `text` into lines no wider than `width`: at spaces, a word wider than a line at
/// characters; `\n` starts a new line.
pub fn wrap(face: &Face, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in printable(text).split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if face.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if face.width(word, size) <= width {
                line = word.to_owned();
                continue;
            }
            // The word alone: break it where it no longer fits.
            for c in word.chars() {
                line.push(c);
                if face.width(&line, size) > width && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// One thing to draw on a page.
enum Op {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    /// A photo, scaled into `w` × `h` points with its top left at `x`, `y`.
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: krilla::image::Image,
    },
    /// Connected lines through each list of points (a drawn signature).
    Lines {
        strokes: Vec<Vec<(f32, f32)>>,
        width: f32,
        color: Rgb,
    },
}

/// A text style.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub size: f32,
    pub bold: bool,
    pub color: Rgb,
}

pub const BODY: Style = Style {
    size: 9.5,
    bold: false,
    color: BLACK,
};
pub const LABEL: Style = Style {
    size: 9.5,
    bold: true,
    color: BLACK,
};
pub const SMALL: Style = Style {
    size: 8.0,
    bold: false,
    color: GREY,
};
pub const MONO_SMALL: Style = Style {
    size: 7.5,
    bold: false,
    color: BLACK,
};

impl Style {
    pub fn color(self, color: Rgb) -> Style {
        Style { color, ..self }
    }

    fn line_height(self) -> f32 {
        self.size * 1.38
    }
}

/// Pages being laid out: a cursor `y` (from the top) on the last page.
pub struct Layout {
    faces: &'static Faces,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout {
    pub fn new(faces: &'static Faces) -> Self {
        Layout {
            faces,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn face(&self, bold: bool) -> &'static Face {
        if bold {
            &self.faces.bold
        } else {
            &self.faces.regular
        }
    }

    fn page(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page unless `height` more fits on this one.
    pub fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM && self.y > TOP {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    pub fn gap(&mut self, height: f32) {
        self.y += height;
    }

    /// Wrapped text from `x` (relative to the left margin) over `width`.
    pub fn text_at(&mut self, x: f32, width: f32, text: &str, style: Style) {
        let face = self.face(style.bold);
        for line in wrap(face, text, style.size, width) {
            self.ensure(style.line_height());
            let baseline = self.y + style.size;
            self.page().push(Op::Text {
                x: MARGIN_X + x,
                baseline,
                size: style.size,
                bold: style.bold,
                color: style.color,
                text: line,
            });
            self.y += style.line_height();
        }
    }

    pub fn text(&mut self, text: &str, style: Style) {
        self.text_at(0.0, TEXT_W, text, style);
    }

    /// A section heading with a rule under it, kept with at least three lines after it.
    pub fn heading(&mut self, text: &str) {
        self.gap(10.0);
        self.ensure(60.0);
        let style = Style {
            size: 12.0,
            bold: true,
            color: ACCENT,
        };
        self.text(text, style);
        self.rule(RULE);
        self.gap(4.0);
    }

    /// A sub-heading (e.g. a room), kept with two lines after it.
    pub fn subheading(&mut self, text: &str) {
        self.gap(3.0);
        self.ensure(40.0);
        self.text(text, LABEL.color(ACCENT));
    }

    /// A label in a left column and its value wrapped in the right one.
    pub fn field(&mut self, label: &str, value: &str) {
        self.field_with(label, value, BODY);
    }

    /// [`Self::field`] with the value in `style`.
    pub fn field_with(&mut self, label: &str, value: &str, style: Style) {
        let face = self.face(style.bold);
        let lines = wrap(face, value, style.size, TEXT_W - COL);
        self.ensure(style.line_height() * lines.len().min(3) as f32);
        let top = self.y;
        self.text_at(0.0, COL - 8.0, label, LABEL.color(GREY));
        let after_label = self.y;
        let page = self.pages.len();
        self.y = top;
        self.text_at(COL, TEXT_W - COL, value, style);
        if self.pages.len() == page {
            self.y = self.y.max(after_label);
        }
    }

    /// A thin horizontal line across the text width.
    pub fn rule(&mut self, color: Rgb) {
        let y = self.y + 1.0;
        self.page().push(Op::Rect {
            x: MARGIN_X,
            y,
            w: TEXT_W,
            h: 0.6,
            color,
        });
        self.y += 3.0;
    }

    /// Text in a shaded block (the consent text as shown), split over pages when long.
    pub fn quote(&mut self, text: &str, style: Style) {
        const PAD: f32 = 6.0;
        let face = self.face(style.bold);
        let lines = wrap(face, text, style.size, TEXT_W - 2.0 * PAD);
        self.gap(2.0);
        self.ensure(style.line_height() + PAD);
        self.shade(PAD);
        for line in lines {
            self.ensure(style.line_height());
            let top = self.y;
            self.shade(style.line_height());
            self.page().push(Op::Text {
                x: MARGIN_X + PAD,
                baseline: top + style.size,
                size: style.size,
                bold: style.bold,
                color: style.color,
                text: line,
            });
        }
        self.shade(PAD);
        self.gap(4.0);
    }

    /// A shaded band of `height` across the text width; moves the cursor below it.
    fn shade(&mut self, height: f32) {
        let y = self.y;
        self.page().push(Op::Rect {
            x: MARGIN_X,
            y,
            w: TEXT_W,
            h: height + 0.3,
            color: SHADE,
        });
        self.y += height;
    }

    /// Dark modules of a QR code (`width` modules square, row by row) as filled squares of
    /// `module` points, at the right of the text width, with `caption` lines on its left.
    pub fn qr(&mut self, dark: &[bool], width: usize, module: f32, caption: &[(&str, Style)]) {
        let side = width as f32 * module;
        self.ensure(side + 8.0);
        let left = MARGIN_X + TEXT_W - side;
        let top = self.y;
        for (row, cells) in dark.chunks(width.max(1)).enumerate() {
            // One rectangle per run of dark modules in a row.
            let mut col = 0;
            while col < cells.len() {
                if !cells[col] {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < cells.len() && cells[col] {
                    col += 1;
                }
                self.page().push(Op::Rect {
                    x: left + start as f32 * module,
                    y: top + row as f32 * module,
                    w: (col - start) as f32 * module,
                    h: module,
                    color: (0, 0, 0),
                });
            }
        }
        for (text, style) in caption {
            self.text_at(0.0, TEXT_W - side - 16.0, text, *style);
        }
        self.y = self.y.max(top + side + 8.0);
    }

    /// A signature drawn with a finger, as its vector strokes, in a framed box of at most
    /// `max_w` × `max_h` points at the left of the text width (scaled, aspect kept).
    pub fn handtekening(
        &mut self,
        h: &veldwerk_rules::vragenlijst::Handtekening,
        max_w: f32,
        max_h: f32,
    ) {
        let (bw, bh) = (f32::from(h.breedte.max(1)), f32::from(h.hoogte.max(1)));
        let scale = (max_w / bw).min(max_h / bh);
        let (w, hgt) = (bw * scale, bh * scale);
        self.ensure(hgt + 10.0);
        let (left, top) = (MARGIN_X, self.y + 2.0);
        for (x, y, rw, rh) in [
            (left, top, w, 0.5),
            (left, top + hgt, w, 0.5),
            (left, top, 0.5, hgt),
            (left + w, top, 0.5, hgt + 0.5),
        ] {
            self.page().push(Op::Rect {
                x,
                y,
                w: rw,
                h: rh,
                color: RULE,
            });
        }
        let strokes = h
            .strepen
            .iter()
            .map(|s| {
                s.iter()
                    .map(|[x, y]| (left + f32::from(*x) * scale, top + f32::from(*y) * scale))
                    .collect()
            })
            .collect();
        self.page().push(Op::Lines {
            strokes,
            width: 1.2,
            color: (0x0b, 0x2a, 0x5a),
        });
        self.y = top + hgt + 8.0;
    }

    /// Photos as thumbnails in a row (wrapping) at most `side` points on their long side.
    pub fn thumbnails(&mut self, images: &[krilla::image::Image], side: f32) {
        let gap = 8.0;
        let mut x = MARGIN_X;
        let mut row_h: f32 = 0.0;
        for image in images {
            let (pw, ph) = image.size();
            let (pw, ph) = (pw.max(1) as f32, ph.max(1) as f32);
            let scale = side / pw.max(ph);
            let (w, h) = (pw * scale, ph * scale);
            if x + w > MARGIN_X + TEXT_W {
                self.y += row_h + gap;
                x = MARGIN_X;
                row_h = 0.0;
            }
            if x == MARGIN_X {
                self.ensure(h + gap);
            }
            let y = self.y;
            self.page().push(Op::Image {
                x,
                y,
                w,
                h,
                image: image.clone(),
            });
            x += w + gap;
            row_h = row_h.max(h);
        }
        if row_h > 0.0 {
            self.y += row_h + gap;
        }
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Draws every page, each with the footer `footer(n, total)` (left and right text).
    pub fn draw(
        self,
        document: &mut krilla::Document,
        footer: impl Fn(usize, usize) -> (String, String),
    ) -> Option<()> {
        let total = self.pages.len();
        for (i, ops) in self.pages.into_iter().enumerate() {
            let settings = krilla::page::PageSettings::from_wh(PAGE_W, PAGE_H)?;
            let mut page = document.start_page_with(settings);
            let mut surface = page.surface();
            for op in ops {
                draw_op(&mut surface, self.faces, op);
            }
            let (left, right) = footer(i + 1, total);
            let y = PAGE_H - 40.0;
            draw_op(
                &mut surface,
                self.faces,
                Op::Rect {
                    x: MARGIN_X,
                    y: y - 10.0,
                    w: TEXT_W,
                    h: 0.5,
                    color: RULE,
                },
            );
            for (text, x) in [
                (left, MARGIN_X),
                (
                    right.clone(),
                    MARGIN_X + TEXT_W - self.faces.regular.width(&right, SMALL.size),
                ),
            ] {
                draw_op(
                    &mut surface,
                    self.faces,
                    Op::Text {
                        x,
                        baseline: y,
                        size: SMALL.size,
                        bold: false,
                        color: GREY,
                        text,
                    },
                );
            }
            surface.finish();
            page.finish();
        }
        Some(())
    }
}

fn fill(color: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn draw_op(surface: &mut Surface<'_>, faces: &Faces, op: Op) {
    match op {
        Op::Text {
            x,
            baseline,
            size,
            bold,
            color,
            text,
        } => {
            if text.is_empty() {
                return;
            }
            let face = if bold { &faces.bold } else { &faces.regular };
            surface.set_fill(Some(fill(color)));
            surface.draw_text(
                Point::from_xy(x, baseline),
                face.font.clone(),
                size,
                &text,
                false,
                TextDirection::LeftToRight,
            );
        }
        Op::Rect { x, y, w, h, color } => {
            let Some(rect) = Rect::from_xywh(x, y, w, h) else {
                return;
            };
            let mut pb = PathBuilder::new();
            pb.push_rect(rect);
            if let Some(path) = pb.finish() {
                surface.set_fill(Some(fill(color)));
                surface.draw_path(&path);
            }
        }
        Op::Image { x, y, w, h, image } => {
            let Some(size) = krilla::geom::Size::from_wh(w, h) else {
                return;
            };
            surface.push_transform(&krilla::geom::Transform::from_translate(x, y));
            surface.draw_image(image, size);
            surface.pop();
        }
        Op::Lines {
            strokes,
            width,
            color,
        } => {
            let mut pb = PathBuilder::new();
            for stroke in &strokes {
                let mut points = stroke.iter();
                let Some(&(x, y)) = points.next() else {
                    continue;
                };
                pb.move_to(x, y);
                for &(x, y) in points {
                    pb.line_to(x, y);
                }
            }
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(color.0, color.1, color.2).into(),
                    width,
                    line_cap: LineCap::Round,
                    line_join: LineJoin::Round,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let faces = faces().unwrap();
        let text = "Een lange waarneming in de woonkamer: twee jassen aan de kapstok, \
                    een herenfiets in de gang en post op naam van een ander. \
                    0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let lines = wrap(&faces.regular, text, 9.5, 150.0);
        assert!(lines.len() > 3);
        for l in &lines {
            assert!(faces.regular.width(l, 9.5) <= 150.0, "{l}");
        }
        let rejoined: String = lines.concat().split_whitespace().collect();
        let original: String = text.split_whitespace().collect();
        assert_eq!(rejoined, original);
    }

    #[test]
    fn control_characters_do_not_reach_the_page() {
        let faces = faces().unwrap();
        let lines = wrap(&faces.regular, "a\u{7}b\tc\nd", 9.5, 400.0);
        assert_eq!(lines, vec!["a b c".to_owned(), "d".to_owned()]);
    }

    #[test]
    fn many_lines_break_into_pages() {
        let faces = faces().unwrap();
        let mut layout = Layout::new(faces);
        for i in 0..200 {
            layout.text(&format!("regel {i}"), BODY);
        }
        assert!(layout.page_count() >= 3);
    }
}
