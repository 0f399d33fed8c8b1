// Keep a console window from opening on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc: conversion hands many small allocations between threads, where glibc's
/// malloc locks (see `crates/engine/benches/convert.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    cutover_app_lib::run()
}
