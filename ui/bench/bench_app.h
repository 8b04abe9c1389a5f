// normlab-bench: throughput of the presets, the numbers the performance targets are checked with
// (never timed tests). Prints training images/s including the data pipeline, evaluation images/s
// and pipeline-only images/s.
#pragma once

namespace normlab::cli {

int runBench(int argc, char **argv);

} // namespace normlab::cli
