// Every QSettings key the desktop application uses, defined once: a key misspelt in one place
// would silently read nothing.
#pragma once

namespace normlab::gui::settings {

inline constexpr const char *kWindowGeometry = "window/geometry";
inline constexpr const char *kWindowState = "window/state";
inline constexpr const char *kSplitters = "window/splitters"; // + "/" + the splitter's name
inline constexpr const char *kLastConfig = "config/last"; // the form's config, as JSON
inline constexpr const char *kCheckedRuns = "runs/checked"; // the runs ticked at the last quit
inline constexpr const char *kCheckedRunsStore = "runs/store"; // ... and the store they are in
inline constexpr const char *kFirstRunDone = "data/firstRunDone";
inline constexpr const char *kLastFolderParent = "data/lastFolderParent";

} // namespace normlab::gui::settings
