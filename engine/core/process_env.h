// Process-wide settings that decide whether LibTorch on a small CPU runs fast or crawls.
#pragma once

namespace normlab {

// LibTorch's OpenMP threads spin while they wait for each other; on a 2-core machine with anything
// else busy (the GUI, the data pipeline) training then slows 5 to 25 times. libgomp reads its wait
// policy only when it loads, before main(), so a program that has not been given one sets it and
// re-executes itself once. Returns normally when nothing needed doing or exec failed.
void ensureOpenMpWaitPolicy(char **argv);

// glibc serves blocks over 32 MB with fresh mmap()s and returns them on free(), so every large
// activation (an evaluation batch of 1,000 images) page-faults its way in again: measured, ReLU on
// a 98 MB tensor took 174 ms instead of 6 ms. Keeping freed memory in the heap fixes that. Safe to
// call more than once; the trainer calls it, so every program that trains gets it.
void tuneMemoryAllocator();

// For programs that train on a thread other than main() (the GUI): glibc gives that thread its own
// malloc arena, built from 64 MB mmap()ed heaps that grow page by page, and the first epoch there
// ran at 40-70 % of the speed of the same epoch on the main thread (measured under Xvfb: 333-550
// img/s against 750-1,000 for the epochs after it; with one arena 684-712). One arena for the whole
// process puts training on the main heap that tuneMemoryAllocator() keeps. Call before any thread
// starts.
void useOneMallocArena();

} // namespace normlab
