#!/usr/bin/env -S node --max-semi-space-size=64
// A larger young generation: the API server and controllers allocate many short-lived objects;
// in the workload benchmarks this cut process CPU by about a fifth (bench/RESULTS.md).
import '../dist/src/cli/main.js';
