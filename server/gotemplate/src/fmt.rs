//! Go's `fmt` printing (Sprint, Sprintln, Sprintf) and `strconv` quoting, for the values
//! this engine knows. Semantics follow Go's fmt/print.go and fmt/format.go.

use crate::value::{Kind, Value};

#[derive(Clone, Copy, Default)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

/// fmt.Sprint: spaces between operands when neither side is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        let is_string = matches!(arg.kind, Kind::String(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        format_arg(&mut out, arg, 'v', &Flags::default());
        prev_string = is_string;
    }
    out
}

/// fmt.Sprintln: spaces between all operands, then a newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        format_arg(&mut out, arg, 'v', &Flags::default());
    }
    out.push('\n');
    out
}

/// fmt.Sprintf.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let bytes = format.as_bytes();
    let end = bytes.len();
    let mut i = 0;
    let mut arg_num = 0usize;
    let mut reordered = false;
    while i < end {
        let last = i;
        while i < end && bytes[i] != b'%' {
            i += 1;
        }
        out.push_str(&format[last..i]);
        if i >= end {
            break;
        }
        i += 1;
        let mut f = Flags::default();
        while i < end {
            match bytes[i] {
                b'#' => f.sharp = true,
                b'0' => f.zero = !f.minus,
                b'+' => f.plus = true,
                b'-' => {
                    f.minus = true;
                    f.zero = false;
                }
                b' ' => f.space = true,
                _ => break,
            }
            i += 1;
        }
        let mut good_arg_num = true;
        let mut after_index;
        (arg_num, i, after_index) = arg_number(
            arg_num,
            format,
            i,
            args.len(),
            &mut good_arg_num,
            &mut reordered,
        );
        if i < end && bytes[i] == b'*' {
            i += 1;
            match int_from_arg(args, &mut arg_num) {
                Some(w) => {
                    if w < 0 {
                        f.minus = true;
                        f.zero = false;
                    }
                    f.wid = Some(w.unsigned_abs() as usize);
                }
                None => out.push_str("%!(BADWIDTH)"),
            }
            after_index = false;
        } else {
            let (n, ni) = parse_num(bytes, i);
            f.wid = n;
            i = ni;
            if after_index && f.wid.is_some() {
                good_arg_num = false;
            }
        }
        if i + 1 < end && bytes[i] == b'.' {
            i += 1;
            if after_index {
                good_arg_num = false;
            }
            (arg_num, i, after_index) = arg_number(
                arg_num,
                format,
                i,
                args.len(),
                &mut good_arg_num,
                &mut reordered,
            );
            if i < end && bytes[i] == b'*' {
                i += 1;
                match int_from_arg(args, &mut arg_num) {
                    Some(p) if p >= 0 => f.prec = Some(p as usize),
                    Some(_) => f.prec = None,
                    None => out.push_str("%!(BADPREC)"),
                }
                after_index = false;
            } else {
                let (n, ni) = parse_num(bytes, i);
                f.prec = Some(n.unwrap_or(0));
                i = ni;
            }
        }
        if !after_index {
            (arg_num, i, _) = arg_number(
                arg_num,
                format,
                i,
                args.len(),
                &mut good_arg_num,
                &mut reordered,
            );
        }
        if i >= end {
            out.push_str("%!(NOVERB)");
            break;
        }
        let verb = format[i..].chars().next().unwrap_or('?');
        i += verb.len_utf8();
        if verb == '%' {
            out.push('%');
        } else if !good_arg_num {
            out.push_str(&format!("%!{verb}(BADINDEX)"));
        } else if arg_num >= args.len() {
            out.push_str(&format!("%!{verb}(MISSING)"));
        } else {
            if verb == 'v' {
                f.sharp_v = f.sharp;
                f.sharp = false;
                f.plus_v = f.plus;
                f.plus = false;
            }
            format_arg(&mut out, &args[arg_num], verb, &f);
            arg_num += 1;
        }
    }
    if !reordered && arg_num < args.len() {
        out.push_str("%!(EXTRA ");
        for (k, arg) in args[arg_num..].iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            if arg.is_nil() {
                out.push_str("<nil>");
            } else {
                out.push_str(arg.go_type());
                out.push('=');
                format_arg(&mut out, arg, 'v', &Flags::default());
            }
        }
        out.push(')');
    }
    out
}

fn parse_num(bytes: &[u8], mut i: usize) -> (Option<usize>, usize) {
    let start = i;
    let mut n = 0usize;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        if n > 1_000_000 {
            return (None, bytes.len());
        }
        n = n * 10 + (bytes[i] - b'0') as usize;
        i += 1;
    }
    (if i > start { Some(n) } else { None }, i)
}

fn arg_number(
    arg_num: usize,
    format: &str,
    i: usize,
    num_args: usize,
    good: &mut bool,
    reordered: &mut bool,
) -> (usize, usize, bool) {
    let bytes = format.as_bytes();
    if i >= bytes.len() || bytes[i] != b'[' {
        return (arg_num, i, false);
    }
    *reordered = true;
    let Some(close) = format[i..].find(']') else {
        *good = false;
        return (arg_num, i + 1, false);
    };
    let (n, at) = parse_num(bytes, i + 1);
    match n {
        Some(n) if at == i + close && n >= 1 && n - 1 < num_args => (n - 1, i + close + 1, true),
        _ => {
            *good = false;
            (arg_num, i + close + 1, at == i + close && n.is_some())
        }
    }
}

fn int_from_arg(args: &[Value], arg_num: &mut usize) -> Option<i64> {
    let value = args.get(*arg_num)?;
    *arg_num += 1;
    match value.kind {
        Kind::Int(n) if n.abs() <= 1_000_000 => Some(n),
        _ => None,
    }
}

fn pad(out: &mut String, s: &str, f: &Flags) {
    let Some(wid) = f.wid else {
        out.push_str(s);
        return;
    };
    let len = s.chars().count();
    if len >= wid {
        out.push_str(s);
        return;
    }
    let fill = if f.zero && !f.minus { '0' } else { ' ' };
    if f.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', wid - len));
    } else {
        out.extend(std::iter::repeat_n(fill, wid - len));
        out.push_str(s);
    }
}

/// A number with its sign in front of any zero padding.
fn pad_number(out: &mut String, sign: &str, digits: &str, f: &Flags) {
    let len = sign.len() + digits.chars().count();
    match f.wid {
        Some(wid) if f.zero && !f.minus && wid > len => {
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', wid - len));
            out.push_str(digits);
        }
        _ => pad(out, &format!("{sign}{digits}"), f),
    }
}

fn bad_verb(out: &mut String, verb: char, arg: &Value) {
    out.push_str("%!");
    out.push(verb);
    out.push('(');
    if arg.is_nil() {
        out.push_str("<nil>");
    } else {
        out.push_str(arg.go_type());
        out.push('=');
        format_arg(out, arg, 'v', &Flags::default());
    }
    out.push(')');
}

fn format_arg(out: &mut String, arg: &Value, verb: char, f: &Flags) {
    if verb == 'T' {
        pad(out, arg.go_type(), f);
        return;
    }
    match &arg.kind {
        Kind::Nil => match verb {
            'v' => pad(out, "<nil>", f),
            _ => bad_verb(out, verb, arg),
        },
        Kind::Bool(b) => match verb {
            't' | 'v' => pad(out, if *b { "true" } else { "false" }, f),
            _ => bad_verb(out, verb, arg),
        },
        Kind::Int(n) => format_int(out, *n, verb, f, arg),
        Kind::Float(x) => format_float(out, *x, verb, f, arg),
        Kind::String(s) => match verb {
            'v' if f.sharp_v => pad(out, &quote(s, false), f),
            'v' | 's' => {
                let s: String = match f.prec {
                    Some(p) => s.chars().take(p).collect(),
                    None => s.to_string(),
                };
                pad(out, &s, f)
            }
            'x' | 'X' => pad(out, &hex_bytes(s.as_bytes(), verb == 'X', f), f),
            'q' => {
                let q = if f.sharp && can_backquote(s) {
                    format!("`{s}`")
                } else {
                    quote(s, f.plus)
                };
                pad(out, &q, f)
            }
            _ => bad_verb(out, verb, arg),
        },
        Kind::List(items) => {
            if f.sharp_v {
                out.push_str("[]interface {}{");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    format_sharp_v_elem(out, item, f);
                }
                out.push('}');
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                format_elem(out, item, verb, f);
            }
            out.push(']');
        }
        Kind::Map(entries) => {
            if f.sharp_v {
                out.push_str("map[string]interface {}{");
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&quote(k, false));
                    out.push(':');
                    format_sharp_v_elem(out, v, f);
                }
                out.push('}');
                return;
            }
            out.push_str("map[");
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                format_arg(out, &Value::string(k.as_str()), verb, f);
                out.push(':');
                format_elem(out, v, verb, f);
            }
            out.push(']');
        }
        // callers check for Unknown before formatting; nothing is guessed here
        Kind::Unknown => {}
    }
}

/// An element of a list or map: a nil interface prints `<nil>` whatever the verb.
fn format_elem(out: &mut String, v: &Value, verb: char, f: &Flags) {
    if v.is_nil() {
        pad(out, "<nil>", f);
    } else {
        format_arg(out, v, verb, f);
    }
}

fn format_sharp_v_elem(out: &mut String, v: &Value, f: &Flags) {
    if v.is_nil() {
        out.push_str("interface {}(nil)");
    } else {
        format_arg(out, v, 'v', f);
    }
}

fn hex_bytes(bytes: &[u8], upper: bool, f: &Flags) -> String {
    let mut s = String::new();
    for (i, b) in bytes.iter().enumerate() {
        if f.space && i > 0 {
            s.push(' ');
        }
        if f.sharp && (f.space || i == 0) {
            s.push_str(if upper { "0X" } else { "0x" });
        }
        if upper {
            s.push_str(&format!("{b:02X}"));
        } else {
            s.push_str(&format!("{b:02x}"));
        }
    }
    s
}

fn format_int(out: &mut String, n: i64, verb: char, f: &Flags, arg: &Value) {
    let (radix, upper) = match verb {
        'v' | 'd' => (10, false),
        'b' => (2, false),
        'o' | 'O' => (8, false),
        'x' => (16, false),
        'X' => (16, true),
        'c' => {
            pad(
                out,
                &char::from_u32(n as u32).unwrap_or('\u{FFFD}').to_string(),
                f,
            );
            return;
        }
        'q' => {
            let c = char::from_u32(n as u32).unwrap_or('\u{FFFD}');
            pad(out, &quote_rune(c, f.plus), f);
            return;
        }
        'U' => {
            let c = char::from_u32(n as u32).unwrap_or('\u{FFFD}');
            let mut s = format!("U+{:04X}", n);
            if f.sharp && is_print(c) {
                s.push_str(&format!(" '{c}'"));
            }
            pad(out, &s, f);
            return;
        }
        _ => return bad_verb(out, verb, arg),
    };
    let magnitude = n.unsigned_abs();
    let mut digits = match radix {
        2 => format!("{magnitude:b}"),
        8 => format!("{magnitude:o}"),
        16 if upper => format!("{magnitude:X}"),
        16 => format!("{magnitude:x}"),
        _ => magnitude.to_string(),
    };
    if let Some(p) = f.prec {
        if p == 0 && n == 0 {
            digits.clear();
        } else if digits.len() < p {
            digits = format!("{}{digits}", "0".repeat(p - digits.len()));
        }
    }
    let prefix = match (radix, f.sharp, verb) {
        (_, _, 'O') => "0o",
        (16, true, _) if upper => "0X",
        (16, true, _) => "0x",
        (8, true, _) if !digits.starts_with('0') => "0",
        (2, true, _) => "0b",
        _ => "",
    };
    let sign = if n < 0 {
        "-"
    } else if f.plus {
        "+"
    } else if f.space {
        " "
    } else {
        ""
    };
    let sign_prefix = format!("{sign}{prefix}");
    if f.prec.is_some() {
        // with a precision, zero padding does not apply
        pad(
            out,
            &format!("{sign_prefix}{digits}"),
            &Flags { zero: false, ..*f },
        );
    } else {
        pad_number(out, &sign_prefix, &digits, f);
    }
}

/// Decimal digits of |x| (no trailing zeros) and the decimal point position, rounded to
/// `sig` significant digits or shortest when None.
fn decimal_digits(x: f64, sig: Option<usize>) -> (Vec<u8>, i32) {
    if x == 0.0 {
        return (Vec::new(), 0);
    }
    let text = match sig {
        Some(p) => format!("{:.*e}", p.max(1) - 1, x.abs()),
        None => format!("{:e}", x.abs()),
    };
    let (mant, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mant
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    while digits.last() == Some(&0) {
        digits.pop();
    }
    (digits, exp + 1)
}

fn fmt_e_digits(digits: &[u8], dp: i32, frac: usize, upper: bool) -> String {
    let mut s = String::new();
    s.push((b'0' + digits.first().copied().unwrap_or(0)) as char);
    if frac > 0 {
        s.push('.');
        for i in 1..=frac {
            s.push((b'0' + digits.get(i).copied().unwrap_or(0)) as char);
        }
    }
    let exp = if digits.is_empty() { 0 } else { dp - 1 };
    s.push(if upper { 'E' } else { 'e' });
    s.push(if exp < 0 { '-' } else { '+' });
    s.push_str(&format!("{:02}", exp.abs()));
    s
}

fn fmt_f_digits(digits: &[u8], dp: i32, frac: usize) -> String {
    let mut s = String::new();
    if dp > 0 {
        for i in 0..dp as usize {
            s.push((b'0' + digits.get(i).copied().unwrap_or(0)) as char);
        }
    } else {
        s.push('0');
    }
    if frac > 0 {
        s.push('.');
        for i in 0..frac as i32 {
            let idx = dp + i;
            let d = if idx >= 0 {
                digits.get(idx as usize).copied().unwrap_or(0)
            } else {
                0
            };
            s.push((b'0' + d) as char);
        }
    }
    s
}

/// strconv.FormatFloat(x, 'g'/'G', prec, 64) of |x|.
fn format_g(x: f64, prec: Option<usize>, upper: bool) -> String {
    let shortest = prec.is_none();
    let (digits, dp) = decimal_digits(x, prec.map(|p| p.max(1)));
    let nd = digits.len().max(1) as i32;
    let mut p = match prec {
        Some(p) => p.max(1) as i32,
        None => nd,
    };
    let mut eprec = p;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    if shortest {
        eprec = 6;
    }
    let exp = dp - 1;
    if x != 0.0 && (exp < -4 || exp >= eprec) {
        if p > nd {
            p = nd;
        }
        return fmt_e_digits(&digits, dp, (p - 1) as usize, upper);
    }
    if x == 0.0 {
        return "0".into();
    }
    if p > dp {
        p = nd;
    }
    fmt_f_digits(&digits, dp, (p - dp).max(0) as usize)
}

/// strconv.FormatFloat(x, 'x', prec, 64) of |x|.
fn format_hex_float(x: f64, prec: Option<usize>, upper: bool) -> String {
    let bits = x.abs().to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i32;
    let mut mant = bits & ((1u64 << 52) - 1);
    if exp == 0 && mant == 0 {
        let zeros = prec
            .map(|p| {
                if p > 0 {
                    format!(".{}", "0".repeat(p))
                } else {
                    String::new()
                }
            })
            .unwrap_or_default();
        return format!("0x0{zeros}p+00");
    }
    if exp == 0 {
        // subnormal: normalise
        exp = 1;
        while mant & (1u64 << 52) == 0 {
            mant <<= 1;
            exp -= 1;
        }
        mant &= (1u64 << 52) - 1;
    }
    exp -= 1023;
    let mut lead = 1u64;
    let mut frac_digits = 13usize;
    if let Some(p) = prec.filter(|&p| p < 13) {
        let shift = 4 * (13 - p) as u32;
        let half = 1u64 << (shift - 1);
        let rest = mant & ((1u64 << shift) - 1);
        mant >>= shift;
        if rest > half || rest == half && mant & 1 == 1 {
            mant += 1;
            if mant >> (4 * p) != 0 {
                mant = 0;
                lead = 1;
                exp += 1;
            }
        }
        frac_digits = p;
    }
    let mut hex = if frac_digits == 0 {
        String::new()
    } else {
        format!("{:0width$x}", mant, width = frac_digits)
    };
    if prec.is_none() {
        while hex.ends_with('0') {
            hex.pop();
        }
    }
    if let Some(p) = prec.filter(|&p| p > 13) {
        hex.push_str(&"0".repeat(p - 13));
    }
    let body = if hex.is_empty() {
        format!("0x{lead}")
    } else {
        format!("0x{lead}.{hex}")
    };
    let s = format!("{body}p{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    if upper {
        s.to_uppercase()
    } else {
        s
    }
}

fn format_float(out: &mut String, x: f64, verb: char, f: &Flags, arg: &Value) {
    let body = if x.is_infinite() {
        "Inf".to_string()
    } else if x.is_nan() {
        "NaN".to_string()
    } else {
        match verb {
            'v' | 'g' => format_g(x, if verb == 'v' { None } else { f.prec }, false),
            'G' => format_g(x, f.prec, true),
            'e' | 'E' => {
                let s = format!("{:.*e}", f.prec.unwrap_or(6), x.abs());
                let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
                let exp: i32 = exp.parse().unwrap_or(0);
                format!(
                    "{mant}{}{}{:02}",
                    if verb == 'E' { 'E' } else { 'e' },
                    if exp < 0 { '-' } else { '+' },
                    exp.abs()
                )
            }
            'f' | 'F' => format!("{:.*}", f.prec.unwrap_or(6), x.abs()),
            'x' | 'X' => format_hex_float(x, f.prec, verb == 'X'),
            _ => return bad_verb(out, verb, arg),
        }
    };
    let negative = x.is_sign_negative() && !x.is_nan();
    let sign = if negative {
        "-"
    } else if f.plus {
        "+"
    } else if f.space {
        " "
    } else {
        ""
    };
    if x.is_infinite() || x.is_nan() {
        let sign = if x.is_nan() && !f.plus && !f.space {
            ""
        } else if sign.is_empty() {
            "+"
        } else {
            sign
        };
        pad(out, &format!("{sign}{body}"), &Flags { zero: false, ..*f });
        return;
    }
    pad_number(out, sign, &body, f);
}

/// Go's unicode.IsPrint, closely enough for quoting: letters, marks, numbers, punctuation,
/// symbols and the ASCII space.
pub(crate) fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}' | '\u{e000}'..='\u{f8ff}')
}

fn escape_rune(out: &mut String, c: char, quote_char: char, ascii: bool) {
    if c == quote_char || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if ascii {
        if c.is_ascii() && is_print(c) {
            out.push(c);
            return;
        }
    } else if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        _ if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
        _ if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        _ => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// strconv.Quote (or QuoteToASCII).
pub fn quote(s: &str, ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        escape_rune(&mut out, c, '"', ascii);
    }
    out.push('"');
    out
}

/// strconv.QuoteRune (or QuoteRuneToASCII).
pub fn quote_rune(c: char, ascii: bool) -> String {
    let mut out = String::from("'");
    escape_rune(&mut out, c, '\'', ascii);
    out.push('\'');
    out
}

fn can_backquote(s: &str) -> bool {
    s.chars()
        .all(|c| c != '`' && c != '\u{feff}' && (c == '\t' || !c.is_control()))
}

/// Go's `%U` / `%#U` of a rune.
pub(crate) fn unicode_u(c: char, sharp: bool) -> String {
    let mut s = format!("U+{:04X}", c as u32);
    if sharp && is_print(c) {
        s.push_str(&format!(" '{c}'"));
    }
    s
}

/// strconv.UnquoteChar: one (possibly escaped) character and the rest.
pub(crate) fn unquote_char(s: &str, quote_char: char) -> Option<(char, &str)> {
    let mut chars = s.chars();
    let c = chars.next()?;
    if c == quote_char && (quote_char == '\'' || quote_char == '"') {
        return None;
    }
    if c != '\\' {
        return Some((c, chars.as_str()));
    }
    let e = chars.next()?;
    let rest = chars.as_str();
    let simple = match e {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        '\\' => Some('\\'),
        '\'' | '"' => {
            if e != quote_char {
                return None;
            }
            Some(e)
        }
        _ => None,
    };
    if let Some(c) = simple {
        return Some((c, rest));
    }
    let (len, radix) = match e {
        'x' => (2, 16),
        'u' => (4, 16),
        'U' => (8, 16),
        '0'..='7' => (2, 8),
        _ => return None,
    };
    if e.is_ascii_digit() {
        let digits = format!("{e}{}", rest.get(..2)?);
        let v = u32::from_str_radix(&digits, 8).ok()?;
        if v > 255 {
            return None;
        }
        return Some((char::from_u32(v)?, &rest[2..]));
    }
    let digits = rest.get(..len)?;
    let v = u32::from_str_radix(digits, radix).ok()?;
    Some((char::from_u32(v)?, &rest[len..]))
}

/// strconv.Unquote of a "…" or `…` literal.
pub(crate) fn unquote(text: &str) -> Option<String> {
    if text.len() >= 2 && text.starts_with('`') && text.ends_with('`') {
        let inner = &text[1..text.len() - 1];
        if inner.contains('`') {
            return None;
        }
        return Some(inner.replace('\r', ""));
    }
    if text.len() < 2 || !text.starts_with('"') || !text.ends_with('"') {
        return None;
    }
    let mut rest = &text[1..text.len() - 1];
    let mut out = String::new();
    while !rest.is_empty() {
        let (c, tail) = unquote_char(rest, '"')?;
        if c == '\n' && !rest.starts_with('\\') {
            return None;
        }
        out.push(c);
        rest = tail;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_go() {
        let v = |x: f64| sprint(&[Value::float(x)]);
        assert_eq!(v(1000000.0), "1e+06");
        assert_eq!(v(100000.0), "100000");
        assert_eq!(v(0.0001), "0.0001");
        assert_eq!(v(0.00001), "1e-05");
        assert_eq!(v(-2.5), "-2.5");
        assert_eq!(v(0.0), "0");
        assert_eq!(v(f64::INFINITY), "+Inf");
        assert_eq!(
            sprintf(
                "%x|%.1x|%X",
                &[
                    Value::float(1.5),
                    Value::float(1.0 / 3.0),
                    Value::float(-0.5)
                ]
            ),
            "0x1.8p+00|0x1.5p-02|-0X1P-01"
        );
        assert_eq!(
            sprintf(
                "%6.2f|%-6.1e|%06.1f|%+g",
                &[
                    Value::float(3.14259),
                    Value::float(31.4),
                    Value::float(-2.5),
                    Value::float(2.0)
                ]
            ),
            "  3.14|3.1e+01|-002.5|+2"
        );
    }

    #[test]
    fn integers_and_strings() {
        assert_eq!(
            sprintf(
                "%08.3d|%-4d|%x|%#o|%q|%U",
                &[
                    Value::int(5),
                    Value::int(-3),
                    Value::int(-255),
                    Value::int(8),
                    Value::int(0x263a),
                    Value::int(0x1F600)
                ]
            ),
            "     005|-3  |-ff|010|'☺'|U+1F600"
        );
        assert_eq!(
            sprintf(
                "%.0d|%05s|%q|%+q|%#q",
                &[
                    Value::int(0),
                    Value::string("ab"),
                    Value::string("a\u{0}é\n"),
                    Value::string("é"),
                    Value::string("x\"y")
                ]
            ),
            "|000ab|\"a\\x00é\\n\"|\"\\u00e9\"|`x\"y`"
        );
        assert_eq!(
            sprintf(
                "%[3]d %[1]d %d|%[5]d",
                &[Value::int(1), Value::int(2), Value::int(3)]
            ),
            "3 1 2|%!d(BADINDEX)"
        );
        assert_eq!(sprintf("%!|%", &[]), "%!!(MISSING)|%!(NOVERB)");
        assert_eq!(
            sprintf("%*d", &[Value::string("x"), Value::int(1)]),
            "%!(BADWIDTH)1"
        );
    }

    #[test]
    fn composites() {
        let list = Value::list(vec![Value::int(1), Value::nil(), Value::string("a")]);
        assert_eq!(
            sprintf("%v|%d|%#v", &[list.clone(), list.clone(), list]),
            "[1 <nil> a]|[1 <nil> %!d(string=a)]|[]interface {}{1, interface {}(nil), \"a\"}"
        );
    }

    #[test]
    fn unquoting() {
        assert_eq!(
            unquote(r#""a\tb\x41\101\u00e9\"""#).as_deref(),
            Some("a\tbAAé\"")
        );
        assert_eq!(unquote(r#""\q""#), None);
        assert_eq!(unquote("`a\\n`").as_deref(), Some("a\\n"));
    }
}
