// Commands and defaults that differ between platforms. main() offers the command line to
// runPlatformCommand() before it handles the commands that all platforms share.
#pragma once

#include <optional>
#include <string>

namespace alur::platform {

// Runs the command line when it is one of this platform's own commands (on Windows: service,
// secret, and run and check, which add the Windows checks and the service mode), and returns
// its exit code. Returns nothing for the other command lines.
std::optional<int> runPlatformCommand(int argc, char** argv);

// The configuration file used when --config is not given.
std::string defaultConfigPath();

// The usage lines of this platform's own commands, or an empty string.
std::string platformUsage();

}  // namespace alur::platform
