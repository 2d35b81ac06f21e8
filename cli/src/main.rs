//! `veldwerk`: the reference field client on a laptop. Skeleton.

fn main() {}
