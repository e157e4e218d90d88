//! Editor analyses over the database: symbols, definitions, references, hover, completion.
