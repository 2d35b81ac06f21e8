//! The factual-language check (seed 000: a motivation rests on facts, "geen insinuaties of
//! onderbuikgevoelens"). Skeleton; filled in by the protocol work.
