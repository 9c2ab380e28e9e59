#include "platform/platform_commands.h"

namespace alur::platform {

// On Linux every command is shared; systemd runs `alur-relay run` in the foreground.
std::optional<int> runPlatformCommand(int, char**) { return std::nullopt; }

std::string defaultConfigPath() { return "/etc/alur-relay/alur-relay.conf"; }

std::string platformUsage() { return ""; }

}  // namespace alur::platform
