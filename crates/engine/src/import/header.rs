//! Is a text file's first row a header, or already data?
//!
//! Old systems often export without a header row. The rule compares the first row with
//! the rows below it, column by column (after the idea of Python's `csv.Sniffer`, with
//! the profile's type inference):
//!
//! - where the rows below fit one type other than text (integer, decimal, date in one
//!   format, boolean, digit code — see [`crate::profile::infer`]), a first-row value that
//!   fits the same type votes **data**, one that does not votes **header** (`DOB` above
//!   dates, `MRN` above numbers);
//! - in a text column, a first-row value that also occurs below votes **data** (`F` above
//!   `M`/`F`, `SMITH` above more Smiths); a header name rarely repeats as a value.
//!
//! More header votes than data votes, or a tie, keeps the first row as the header: most
//! exports have one, and a file of text only gives no evidence either way. The analyst can
//! always say which it is (`ImportRequest::header_row`).

use crate::api::dto::ValueType;
use crate::profile::infer::{
    DATE_FORMATS, TypeTally, is_boolean, is_decimal, is_integer, parse_date,
};

/// Rows below the first one the rule looks at.
pub const SAMPLE_ROWS: usize = 50;

/// Names for the columns of a file without a header row: `column_1`, `column_2`, …
pub fn generated_names(width: usize) -> Vec<String> {
    (1..=width).map(|i| format!("column_{i}")).collect()
}

/// Whether `first` is a header for the `rows` below it (see the module documentation).
pub fn first_row_is_header<S: AsRef<str>>(first: &[S], rows: &[Vec<S>]) -> bool {
    score(first, rows) >= 0
}

/// Header votes minus data votes.
fn score<S: AsRef<str>>(first: &[S], rows: &[Vec<S>]) -> i64 {
    let mut score = 0;
    for (i, head) in first.iter().enumerate() {
        let head = head.as_ref();
        let below: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.get(i).map(AsRef::as_ref))
            .filter(|v| !v.trim().is_empty())
            .collect();
        if below.is_empty() || head.trim().is_empty() {
            continue;
        }
        let mut tally = TypeTally::default();
        for v in &below {
            tally.observe(v);
        }
        let inferred = tally.finish(below.len() as i64).inferred;
        let fits = match inferred.kind {
            ValueType::Integer => Some(is_integer(head)),
            ValueType::Decimal => Some(is_decimal(head)),
            ValueType::Boolean => Some(is_boolean(head)),
            ValueType::Code => Some(!head.is_empty() && head.bytes().all(|b| b.is_ascii_digit())),
            ValueType::Date => Some(
                DATE_FORMATS
                    .iter()
                    .find(|f| Some(f.name) == inferred.format.as_deref())
                    .is_some_and(|f| parse_date(f, head).is_some()),
            ),
            ValueType::Text | ValueType::Empty => None,
        };
        score += match fits {
            Some(true) => -1,
            Some(false) => 1,
            None if below.contains(&head) => -1,
            None => 0,
        };
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let mut lines = text
            .lines()
            .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
        let first = lines.next().unwrap_or_default();
        (first, lines.collect())
    }

    fn is_header(text: &str) -> bool {
        let (first, rest) = rows(text);
        first_row_is_header(&first, &rest)
    }

    #[test]
    fn decides_header_or_data_on_typical_exports() {
        // (file, first row is a header)
        let cases = [
            // A usual export with a header.
            (
                "MRN,LAST,FIRST,DOB,SEX,ZIP\n1001,SMITH,JOHN,01/02/1980,M,07030\n1002,JONES,MARY,12/30/1975,F,10001\n1003,SMITH,ANN,03/04/1990,F,07030",
                true,
            ),
            // The same without its header.
            (
                "1001,SMITH,JOHN,01/02/1980,M,07030\n1002,JONES,MARY,12/30/1975,F,10001\n1003,SMITH,ANN,03/04/1990,F,07030\n1004,BROWN,JOE,05/06/1970,M,07030",
                false,
            ),
            // Appointments: an id, an ISO date and a status code.
            (
                "1,2024-03-01,BOOKED\n2,2024-03-02,BOOKED\n3,2024-03-02,CANCELLED",
                false,
            ),
            (
                "APPT_ID,DATE,STATUS\n1,2024-03-01,BOOKED\n2,2024-03-02,BOOKED",
                true,
            ),
            // Only text: no evidence, the header is kept.
            ("LAST,FIRST\nSMITH,JOHN\nJONES,MARY", true),
            // Only a header.
            ("MRN,NAME", true),
            // Names with a repeated value below mark the first row as data.
            ("SMITH,JOHN\nJONES,MARY\nSMITH,ANN", false),
            // A decimal column under a name.
            ("ID,AMOUNT\n1,10.5\n2,3\n3,0.25", true),
            // Blank header cells give no evidence; the typed columns decide.
            ("MRN,,DOB\n1,x,19800102\n2,y,19751230", true),
        ];
        for (text, expected) in cases {
            assert_eq!(is_header(text), expected, "{text}");
        }
    }

    #[test]
    fn ragged_and_empty_input_never_panics() {
        assert!(first_row_is_header::<&str>(&[], &[]));
        assert!(first_row_is_header(&["A"], &[vec![], vec!["1", "2"]]));
        assert!(!first_row_is_header(
            &["1", "2"],
            &[vec!["3"], vec!["4", "5", "6"]]
        ));
    }

    #[test]
    fn generated_names_count_from_one() {
        assert_eq!(generated_names(3), ["column_1", "column_2", "column_3"]);
    }
}
