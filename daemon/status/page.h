// The / route: a page in French for the agency, plain HTML and CSS without external assets.
#pragma once

#include <string>

#include "status/status_facts.h"

namespace alur::status {

// Escapes the five characters that HTML gives a meaning to, for text and attribute values.
std::string escapeHtml(const std::string& text);

std::string renderPage(const StatusFacts& facts);

}  // namespace alur::status
