#pragma once

// One clone per instruction set for the hot float and integer loops of engine/model: AVX2 works
// on eight 32-bit lanes at once, plain x86-64 (SSE2) on four and has no 32-bit lane multiply at
// all; the loader picks the clone for the CPU. Not under ThreadSanitizer: the loader runs the
// clone's resolver before TSan's runtime is up, and the instrumented resolver crashes the program
// at start. Private to engine/model (not installed, not included from a public header).
#if defined(__SANITIZE_THREAD__)
#define NORMLAB_CPU_CLONES
#else
#define NORMLAB_CPU_CLONES __attribute__((target_clones("avx2", "default")))
#endif
