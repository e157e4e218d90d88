//! The catalog of diagnostic codes. Codes are stable: never reuse or renumber one.
//! Families (§12): E01xx syntax, E02xx names, E03xx types and declarations,
//! E04xx purposes/consent/PII, E05xx time and retention, W warnings.

/// One catalog entry: the code and a one-line title used in docs and SARIF rules.
pub struct CodeInfo {
    pub code: &'static str,
    pub title: &'static str,
}

macro_rules! codes {
    ($($name:ident = $code:literal : $title:literal;)*) => {
        $(pub const $name: &str = $code;)*
        /// Every code, in order.
        pub const ALL: &[CodeInfo] = &[$(CodeInfo { code: $code, title: $title },)*];
    };
}

codes! {
    SYNTAX = "E0101": "syntax error";
    BAD_DURATION = "E0102": "malformed duration literal";
    BAD_ESCAPE = "E0103": "invalid escape in a string literal";
    CLAUSE_ORDER = "E0104": "event clauses out of order";
    KEYWORD_AS_NAME = "E0105": "a keyword used as a name";
    BAD_TIME = "E0106": "malformed test time";
    BAD_NUMBER = "E0107": "number literal out of range";

    UNKNOWN_NAME = "E0201": "unknown trait or segment";
    DUPLICATE = "E0202": "name declared twice";
    UNKNOWN_EVENT = "E0203": "unknown event";
    UNKNOWN_FIELD = "E0204": "unknown field";
    UNKNOWN_PURPOSE = "E0205": "unknown purpose";
    UNKNOWN_ATTR = "E0206": "unknown profile attribute";
    UNKNOWN_ID_TYPE = "E0207": "unknown identifier type";
    UNKNOWN_FUNCTION = "E0208": "unknown function";
    CYCLE = "E0209": "traits and segments form a cycle";
    DUPLICATE_FIELD = "E0210": "field declared twice";
    DUPLICATE_BLOCK = "E0211": "more than one identity block";
    DUPLICATE_WIRE = "E0212": "two events share a wire name";
    UNKNOWN_TEST_TARGET = "E0213": "unknown segment or trait in a test";

    TYPE_MISMATCH = "E0301": "mismatched types";
    COMPARE_NONE = "E0302": "comparison with `none`";
    SINCE_NOT_CONST = "E0303": "`since` not compared with a constant duration";
    BAD_ARGUMENTS = "E0304": "wrong arguments to a function";
    BAD_FIELD_TYPE = "E0305": "aggregate over a field of the wrong type";
    BAD_FILTER = "E0306": "construct not allowed in an event filter";
    NOT_BOOL_SEGMENT = "E0307": "segment expression is not boolean";
    EVENT_AS_VALUE = "E0308": "event reference used as a value";
    DECIMAL_LITERAL = "E0310": "literal does not fit a decimal";
    IDENTITY_CLAUSE = "E0311": "identity line missing or repeating a clause";
    PRIORITY_NOT_UNIQUE = "E0312": "two identifier types share a priority";
    UNKNOWN_NORMALIZER = "E0313": "unknown normaliser or hash";
    HOLDOUT_RANGE = "E0314": "holdout percentage out of range";
    BAD_LIMIT = "E0315": "invalid priority or limit";
    SEGMENT_CLAUSE = "E0316": "segment clause repeated";
    PURPOSE_CLAUSE = "E0317": "purpose clause missing or repeated";

    PURPOSE_VIOLATION = "E0401": "segment depends on an event not allowed for its purpose";
    EVENT_WITHOUT_PURPOSE = "E0402": "event names no purpose";
    SEGMENT_WITHOUT_PURPOSE = "E0403": "segment names no purpose";
    PII_OUTPUT = "E0404": "personal data would leave the runtime";

    WINDOW_OVER_RETENTION = "E0501": "window longer than the event's retention";
    NON_POSITIVE_WINDOW = "E0502": "window or duration must be positive";

    MAYBE_NONE = "W0301": "comparison may see `none`";
    SHORT_LIVED_B = "W0501": "absence ends on an event with shorter retention";
}

/// The catalog entry of a code.
pub fn info(code: &str) -> Option<&'static CodeInfo> {
    ALL.iter().find(|c| c.code == code)
}
