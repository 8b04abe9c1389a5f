// Exceptions for bad input. Their messages are shown to users as they are, so each one names the
// file or field and says what is wrong; the command line maps them to exit code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace normlab {

class InputError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// A configuration key or value that is unknown, out of range or of the wrong type.
class ConfigError : public InputError
{
public:
    using InputError::InputError;
};

// A dataset that is missing, truncated, mislabelled or undecodable.
class DataError : public InputError
{
public:
    using InputError::InputError;
};

// A download that failed or a checksum that did not match.
class DownloadError : public InputError
{
public:
    using InputError::InputError;
};

// The run store: a database that is corrupt, foreign, newer than this build, locked, read-only or
// on a full disk, or a run that does not exist.
class StoreError : public InputError
{
public:
    using InputError::InputError;
};

// The computation itself failed (LibTorch refused a tensor operation, ran out of memory, found a
// checkpoint it cannot read). Not bad input: the command line exits 1, and the run is recorded
// failed with this message. The engine turns LibTorch's own c10::Error into it, so that neither
// face needs to know LibTorch.
class ComputeError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

} // namespace normlab
