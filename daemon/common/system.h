// Facts about the process and the machine it runs on, the same on every platform.
#pragma once

#include <string>

namespace alur {

// The machine's host name, for Message-ID and the test mail; "localhost" when it is unknown.
std::string hostName();

// The process identifier, for the start-up line and probe file names.
long processId();

// The account the process runs as, for messages about access rights.
std::string accountName();

// True when standard input is a terminal, where a command may ask for a confirmation.
bool standardInputIsTerminal();

}  // namespace alur
