#include "ingest/xml_reader.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include <expat.h>

#include "ingest/encoding.h"  // parseEncoding

namespace alur::ingest {
namespace {

using ByteMap = std::array<int, 256>;  // byte → Unicode code point, or -1 for an invalid byte

// Name under which the reader reads a document declared ISO-8859-1 (see overrideLatin1).
constexpr const char* kLatin1AsWindows1252 = "x-iso-8859-1-as-windows-1252";

// Code points of the bytes 0x80 to 0x9F in Windows-1252, as Python's cp1252 codec and the
// WHATWG Encoding Standard define them. 0 marks the five undefined bytes.
constexpr std::array<int, 32> kWindows1252Row80 = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 0x80
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,       // 0x88
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 0x90
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,  // 0x98
};

// Latin-1: every byte is the code point of the same value.
constexpr ByteMap makeLatin1Map() {
  ByteMap map{};
  for (int byte = 0; byte < 256; ++byte) {
    map[byte] = byte;
  }
  return map;
}

// Windows-1252. With `keep_undefined`, the five undefined bytes stay the C1 controls of the
// same value, as in the WHATWG Encoding Standard, so that any Latin-1 document still parses.
// Without it they are invalid, and expat reports them as an invalid token.
constexpr ByteMap makeWindows1252Map(bool keep_undefined) {
  ByteMap map = makeLatin1Map();
  for (int i = 0; i < 32; ++i) {
    const int code_point = kWindows1252Row80[i];
    if (code_point != 0) {
      map[0x80 + i] = code_point;
    } else if (!keep_undefined) {
      map[0x80 + i] = -1;
    }
  }
  return map;
}

// ISO-8859-15 is Latin-1 with eight code points replaced. The C1 controls 0x80 to 0x9F are
// invalid, as in the CSV decoder (encoding.cpp): exports contain no control characters, so
// these bytes mean the file is Windows-1252 and its declaration is wrong.
constexpr ByteMap makeIso8859_15Map() {
  ByteMap map = makeLatin1Map();
  for (int byte = 0x80; byte < 0xA0; ++byte) {
    map[byte] = -1;
  }
  map[0xA4] = 0x20AC;  // €
  map[0xA6] = 0x0160;  // Š
  map[0xA8] = 0x0161;  // š
  map[0xB4] = 0x017D;  // Ž
  map[0xB8] = 0x017E;  // ž
  map[0xBC] = 0x0152;  // Œ
  map[0xBD] = 0x0153;  // œ
  map[0xBE] = 0x0178;  // Ÿ
  return map;
}

constexpr ByteMap kWindows1252Map = makeWindows1252Map(false);
constexpr ByteMap kLatin1AsWindows1252Map = makeWindows1252Map(true);
constexpr ByteMap kIso8859_15Map = makeIso8859_15Map();

// Returns the byte map for an encoding name that expat does not decode itself, or nullptr.
const ByteMap* findByteMap(std::string_view name) {
  if (name == kLatin1AsWindows1252) {
    return &kLatin1AsWindows1252Map;
  }
  Result<Encoding> encoding = parseEncoding(name);
  if (!encoding.ok()) {
    return nullptr;
  }
  switch (*encoding) {
    case Encoding::kWindows1252:
      return &kWindows1252Map;
    case Encoding::kIso8859_15:
      return &kIso8859_15Map;
    default:
      return nullptr;  // only "auto" is left, because expat decodes UTF-8 in any letter case
  }
}

bool equalsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

// Returns the encoding named by the XML declaration at the start of `head`, or "" when there is
// none. Reads only ASCII-compatible declarations, which is all that overrideLatin1 needs.
std::string_view declaredEncoding(std::string_view head) {
  if (head.substr(0, 5) != "<?xml") {
    return {};
  }
  const std::string_view declaration = head.substr(0, head.find("?>"));
  std::size_t position = declaration.find("encoding");
  if (position == std::string_view::npos) {
    return {};
  }
  position = declaration.find_first_of("\"'", position);
  if (position == std::string_view::npos) {
    return {};
  }
  const std::size_t end = declaration.find(declaration[position], position + 1);
  if (end == std::string_view::npos) {
    return {};
  }
  return declaration.substr(position + 1, end - position - 1);
}

bool isXmlWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string trimmed(const std::string& text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && isXmlWhitespace(text[begin])) {
    ++begin;
  }
  while (end > begin && isXmlWhitespace(text[end - 1])) {
    --end;
  }
  return text.substr(begin, end - begin);
}

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> names;
  std::size_t begin = 0;
  while (true) {
    const std::size_t slash = path.find('/', begin);
    names.push_back(path.substr(begin, slash - begin));
    if (slash == std::string::npos) {
      return names;
    }
    begin = slash + 1;
  }
}

Status validateOptions(const XmlOptions& options, const std::vector<std::string>& names) {
  const bool has_empty_name =
      std::any_of(names.begin(), names.end(), [](const std::string& name) { return name.empty(); });
  if (has_empty_name) {
    return Status::Error("invalid XML options: the record path \"" + options.record_path +
                         "\" must be element names separated by single \"/\", such as "
                         "\"ExportBaux/Bail\"");
  }
  if (options.max_record_bytes == 0) {
    return Status::Error("invalid XML options: max_record_bytes must be greater than 0");
  }
  return Status::Ok();
}

std::string describePosition(std::uint64_t line, std::uint64_t column, std::int64_t offset) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + " (byte offset " +
         std::to_string(std::max<std::int64_t>(offset, 0)) + ")";
}

// Returns what the reader of an error should do about an expat error code.
std::string hintFor(XML_Error code, bool input_ended) {
  switch (code) {
    case XML_ERROR_NO_ELEMENTS:
    case XML_ERROR_UNCLOSED_TOKEN:
    case XML_ERROR_UNCLOSED_CDATA_SECTION:
    case XML_ERROR_PARTIAL_CHAR:
      if (input_ended) {
        return "the file ends before the document does, so the export is incomplete: export it "
               "again";
      }
      break;
    case XML_ERROR_INVALID_TOKEN:
    case XML_ERROR_BAD_CHAR_REF:
    case XML_ERROR_INCORRECT_ENCODING:
      return "a byte there is invalid in the declared encoding (UTF-8 when none is declared), or "
             "the markup is damaged: check the encoding in the XML declaration, or export the file "
             "again";
    default:
      break;
  }
  return "the export is incomplete or damaged, export it again";
}

}  // namespace

// Trampolines from expat's C callbacks to the reader. After an error, expat may still deliver
// a few events, which they ignore.
struct XmlRecordReader::Handlers {
  static XmlRecordReader& readerOf(void* data) { return *static_cast<XmlRecordReader*>(data); }

  static void XMLCALL onStartElement(void* data, const XML_Char* name,
                                     const XML_Char** attributes) {
    XmlRecordReader& reader = readerOf(data);
    if (reader.handler_error_.ok()) {
      reader.startElement(name, attributes);
    }
  }

  static void XMLCALL onEndElement(void* data, const XML_Char* /*name*/) {
    XmlRecordReader& reader = readerOf(data);
    if (reader.handler_error_.ok()) {
      reader.endElement();
    }
  }

  static void XMLCALL onCharacterData(void* data, const XML_Char* text, int length) {
    XmlRecordReader& reader = readerOf(data);
    if (reader.handler_error_.ok()) {
      reader.addText(text, length);
    }
  }

  // Rejects the declaration of any external entity, used or not, so that the document cannot
  // point the reader at a file or URL.
  static void XMLCALL onEntityDeclaration(void* data, const XML_Char* name, int is_parameter_entity,
                                          const XML_Char* /*value*/, int /*value_length*/,
                                          const XML_Char* /*base*/, const XML_Char* system_id,
                                          const XML_Char* /*public_id*/,
                                          const XML_Char* /*notation_name*/) {
    XmlRecordReader& reader = readerOf(data);
    if (system_id == nullptr || !reader.handler_error_.ok()) {
      return;
    }
    const std::string kind = is_parameter_entity ? "parameter entity %" : "entity ";
    reader.fail(Status::Error(
        "the DTD declares the external " + kind + name + " (system id \"" + system_id + "\") at " +
        reader.describeCurrentPosition() +
        "; external entities are rejected because they would make the reader load another file "
        "or URL: remove the DOCTYPE declaration from the export, or export the file again"));
  }

  // Reached only if an external entity escaped onEntityDeclaration, and rejects it too.
  static int XMLCALL onExternalEntityReference(XML_Parser parser, const XML_Char* /*context*/,
                                               const XML_Char* /*base*/, const XML_Char* system_id,
                                               const XML_Char* /*public_id*/) {
    XmlRecordReader& reader = readerOf(XML_GetUserData(parser));
    if (reader.handler_error_.ok()) {
      reader.handler_error_ = Status::Error(
          "the export refers to the external entity \"" +
          std::string(system_id != nullptr ? system_id : "") + "\" at " +
          reader.describeCurrentPosition() +
          "; external entities are rejected because they would make the reader load another "
          "file or URL: export the file again without them");
    }
    return XML_STATUS_ERROR;
  }

  // Expat skips a reference to an entity that may be declared in an external DTD, which is never
  // read. Its text would be missing from the value, so the reference is an error.
  static void XMLCALL onSkippedEntity(void* data, const XML_Char* name, int is_parameter_entity) {
    XmlRecordReader& reader = readerOf(data);
    if (!reader.handler_error_.ok()) {
      return;
    }
    const std::string reference = std::string(is_parameter_entity ? "%" : "&") + name + ";";
    reader.fail(Status::Error("the entity reference " + reference + " at " +
                              reader.describeCurrentPosition() +
                              " is not declared in the document, and external DTDs are never "
                              "read: export the file again without it"));
  }

  static int XMLCALL onUnknownEncoding(void* data, const XML_Char* name, XML_Encoding* info) {
    const ByteMap* map = findByteMap(name);
    if (map == nullptr) {
      readerOf(data).unknown_encoding_ = name;
      return XML_STATUS_ERROR;
    }
    std::copy(map->begin(), map->end(), info->map);
    info->data = nullptr;
    info->convert = nullptr;  // single-byte encodings need no conversion function
    info->release = nullptr;
    return XML_STATUS_OK;
  }
};

void XmlRecordReader::ParserDeleter::operator()(XML_ParserStruct* parser) const {
  XML_ParserFree(parser);
}

XmlRecordReader::XmlRecordReader(std::istream& in, XmlOptions options)
    : in_(in), options_(std::move(options)), path_names_(splitPath(options_.record_path)) {
  error_ = validateOptions(options_, path_names_);
  if (error_.ok()) {
    error_ = createParser();
  }
}

XmlRecordReader::~XmlRecordReader() = default;

Result<bool> XmlRecordReader::next(std::map<std::string, std::string>& fields) {
  fields.clear();
  if (!error_.ok()) {
    return error_;
  }
  while (ready_.empty()) {
    if (finished_) {
      return false;
    }
    Status parsed = parseMore();
    if (!parsed.ok()) {
      error_ = parsed;
      return error_;
    }
  }
  last_ = std::move(ready_.front());
  ready_.pop_front();
  fields = std::move(last_.fields);
  last_.fields.clear();
  return true;
}

std::uint64_t XmlRecordReader::recordLine() const { return last_.line; }

std::uint64_t XmlRecordReader::recordOffset() const { return last_.offset; }

const std::set<std::string>& XmlRecordReader::recordDuplicates() const { return last_.duplicates; }

Status XmlRecordReader::createParser() {
  parser_.reset(XML_ParserCreate(nullptr));
  XML_Parser parser = parser_.get();
  if (parser == nullptr) {
    return Status::Error("failed to create the XML parser: out of memory");
  }
  XML_SetUserData(parser, this);
  XML_SetElementHandler(parser, &Handlers::onStartElement, &Handlers::onEndElement);
  XML_SetCharacterDataHandler(parser, &Handlers::onCharacterData);
  XML_SetUnknownEncodingHandler(parser, &Handlers::onUnknownEncoding, this);
  // No parameter entity and no external DTD subset is ever read.
  XML_SetParamEntityParsing(parser, XML_PARAM_ENTITY_PARSING_NEVER);
  XML_SetEntityDeclHandler(parser, &Handlers::onEntityDeclaration);
  XML_SetExternalEntityRefHandler(parser, &Handlers::onExternalEntityReference);
  XML_SetSkippedEntityHandler(parser, &Handlers::onSkippedEntity);
  return Status::Ok();
}

Status XmlRecordReader::parseMore() {
  XML_Parser parser = parser_.get();
  XML_Status status = XML_STATUS_OK;
  if (suspended_) {
    suspended_ = false;
    status = XML_ResumeParser(parser);
  } else {
    void* buffer = XML_GetBuffer(parser, static_cast<int>(kChunkSize));
    if (buffer == nullptr) {
      return Status::Error("failed to allocate the XML parser's buffer at byte offset " +
                           std::to_string(bytes_fed_) + ": out of memory");
    }
    std::size_t count = 0;
    Status read = readChunk(static_cast<char*>(buffer), count);
    if (!read.ok()) {
      return read;
    }
    if (bytes_fed_ == 0) {
      overrideLatin1(std::string_view(static_cast<const char*>(buffer), count));
    }
    bytes_fed_ += count;
    status = XML_ParseBuffer(parser, static_cast<int>(count), input_ended_ ? XML_TRUE : XML_FALSE);
  }

  if (status == XML_STATUS_ERROR) {
    return parseError();
  }
  if (status == XML_STATUS_SUSPENDED) {
    suspended_ = true;
    return Status::Ok();
  }
  XML_ParsingStatus parsing;
  XML_GetParsingStatus(parser, &parsing);
  if (parsing.parsing == XML_FINISHED) {
    finished_ = true;
    return Status::Ok();
  }
  return checkPendingToken();
}

Status XmlRecordReader::readChunk(char* buffer, std::size_t& count) {
  if (in_.fail()) {
    return Status::Error("failed to read the XML export at byte offset " +
                         std::to_string(bytes_fed_) +
                         ": the stream is in a failed state, for example a file that could not "
                         "be opened");
  }
  // A stream with exceptions enabled also throws for a short read at the end of the input, so
  // the stream state decides what happened.
  try {
    in_.read(buffer, static_cast<std::streamsize>(kChunkSize));
  } catch (const std::exception&) {
  }
  count = static_cast<std::size_t>(in_.gcount());
  if (count == kChunkSize && !in_.bad()) {
    try {
      in_.peek();  // sets eofbit when the file ends exactly at the chunk's end
    } catch (const std::exception&) {
    }
  }
  if (in_.bad()) {
    return Status::Error("failed to read the XML export at byte offset " +
                         std::to_string(bytes_fed_ + count) + ": the stream reported an I/O error");
  }
  input_ended_ = count < kChunkSize || in_.eof();
  return Status::Ok();
}

// Software that declares ISO-8859-1 often writes Windows-1252 (€ as 0x80, ’ as 0x92), and the
// WHATWG Encoding Standard reads the label "iso-8859-1" as Windows-1252 for that reason. Expat
// would return these bytes as C1 control characters, so the reader overrides the declaration.
void XmlRecordReader::overrideLatin1(std::string_view head) {
  if (equalsIgnoringAsciiCase(declaredEncoding(head), "ISO-8859-1")) {
    XML_SetEncoding(parser_.get(), kLatin1AsWindows1252);
  }
}

// Expat buffers a tag, comment or processing instruction until its end arrives. A damaged file,
// such as an attribute value without its closing quote, would make that buffer grow with the
// file, so the unparsed bytes are capped.
Status XmlRecordReader::checkPendingToken() {
  XML_Parser parser = parser_.get();
  // NOTE: after XML_ParseBuffer returns, expat 2.5 reports the start of the unparsed bytes as
  // the current position, but its manual only promises the position of the last event. Should
  // a later version report that instead, the margin of one chunk avoids most false errors.
  const XML_Index position = XML_GetCurrentByteIndex(parser);
  if (position < 0) {
    return Status::Ok();
  }
  const std::uint64_t pending = bytes_fed_ - static_cast<std::uint64_t>(position);
  if (pending <= options_.max_record_bytes + kChunkSize) {
    return Status::Ok();
  }
  return Status::Error(
      "the XML tag, comment or processing instruction at " + describeCurrentPosition() +
      " is still open after " + std::to_string(pending) + " bytes, more than the maximum of " +
      std::to_string(options_.max_record_bytes) +
      " bytes of a record; the export is damaged (for example a quote or a \">\" is missing), "
      "export it again");
}

Status XmlRecordReader::parseError() const {
  if (!handler_error_.ok()) {
    return handler_error_;
  }
  XML_Parser parser = parser_.get();
  const XML_Error code = XML_GetErrorCode(parser);
  const std::string position =
      describePosition(XML_GetErrorLineNumber(parser), XML_GetErrorColumnNumber(parser) + 1,
                       XML_GetErrorByteIndex(parser));
  if (code == XML_ERROR_UNKNOWN_ENCODING) {
    return Status::Error("unsupported encoding \"" + unknown_encoding_ +
                         "\" in the XML declaration at " + position +
                         "; the reader decodes UTF-8, UTF-16, ISO-8859-1, ISO-8859-15, "
                         "Windows-1252 and US-ASCII: export the file again in one of them");
  }
  if (code == XML_ERROR_NO_ELEMENTS && bytes_fed_ == 0) {
    return Status::Error("the XML export is empty (0 bytes); export it again");
  }
  return Status::Error("malformed XML at " + position + ": " + XML_ErrorString(code) + "; " +
                       hintFor(code, input_ended_));
}

void XmlRecordReader::startElement(const char* name, const char** attributes) {
  if (!open_.empty()) {
    startChild(name, attributes);
    return;
  }
  if (depth_ == 0 && path_names_.front() != name) {
    fail(Status::Error("the root element is <" + std::string(name) + "> at " +
                       describeCurrentPosition() + ", but the record path \"" +
                       options_.record_path + "\" starts with <" + path_names_.front() +
                       ">; check that the file is the export that the profile describes, or "
                       "correct the record path"));
    return;
  }
  const bool on_path =
      matched_ == depth_ && matched_ < path_names_.size() && path_names_[matched_] == name;
  ++depth_;
  if (on_path) {
    ++matched_;
    if (matched_ == path_names_.size()) {
      startRecord(name, attributes);
    }
  }
}

void XmlRecordReader::endElement() {
  if (open_.size() > 1) {
    endChild();
    return;
  }
  if (open_.size() == 1) {
    endRecord();
  }
  if (matched_ == depth_) {
    --matched_;
  }
  --depth_;
}

void XmlRecordReader::addText(const char* text, int length) {
  if (open_.empty()) {
    return;  // text outside records is not part of any field
  }
  if (countRecordBytes(static_cast<std::size_t>(length))) {
    open_.back().text.append(text, static_cast<std::size_t>(length));
  }
}

void XmlRecordReader::startRecord(const char* name, const char** attributes) {
  XML_Parser parser = parser_.get();
  record_ = Record{};
  record_.line = XML_GetCurrentLineNumber(parser);
  record_.offset = static_cast<std::uint64_t>(XML_GetCurrentByteIndex(parser));
  record_bytes_ = 0;
  path_.clear();
  open_.push_back(OpenElement{});
  if (countRecordBytes(std::strlen(name))) {
    addAttributes(attributes);
  }
}

void XmlRecordReader::startChild(const char* name, const char** attributes) {
  open_.back().text_only = false;
  if (!countRecordBytes(std::strlen(name))) {
    return;
  }
  OpenElement child;
  child.path_length = path_.size();
  open_.push_back(std::move(child));
  if (!path_.empty()) {
    path_ += '/';
  }
  path_ += name;
  addAttributes(attributes);
}

// Stores the attributes of the innermost open element. Expat passes them as name, value pairs
// ending with nullptr.
void XmlRecordReader::addAttributes(const char** attributes) {
  const std::string prefix = path_.empty() ? "@" : path_ + "/@";
  for (std::size_t i = 0; attributes[i] != nullptr; i += 2) {
    const char* name = attributes[i];
    const char* value = attributes[i + 1];
    if (!countRecordBytes(std::strlen(name) + std::strlen(value))) {
      return;
    }
    open_.back().text_only = false;
    addField(prefix + name, value);
  }
}

void XmlRecordReader::endChild() {
  OpenElement element = std::move(open_.back());
  open_.pop_back();
  std::string text = trimmed(element.text);
  if (!text.empty() || element.text_only) {
    addField(path_, std::move(text));
  }
  path_.resize(element.path_length);
}

// Queues the finished record and suspends expat, so that at most one record waits in memory.
void XmlRecordReader::endRecord() {
  std::string text = trimmed(open_.back().text);
  if (!text.empty()) {
    addField(".", std::move(text));
  }
  open_.clear();
  ready_.push_back(std::move(record_));
  record_ = Record{};
  // Fails only when expat is already suspended or stopped, and then the record waits in ready_.
  XML_StopParser(parser_.get(), XML_TRUE);
}

void XmlRecordReader::addField(const std::string& key, std::string value) {
  const bool inserted = record_.fields.try_emplace(key, std::move(value)).second;
  if (!inserted) {
    record_.duplicates.insert(key);
  }
}

bool XmlRecordReader::countRecordBytes(std::size_t bytes) {
  record_bytes_ += bytes;
  if (record_bytes_ <= options_.max_record_bytes) {
    return true;
  }
  fail(Status::Error("the record <" + path_names_.back() + "> that starts at line " +
                     std::to_string(record_.line) + " (byte offset " +
                     std::to_string(record_.offset) + ") exceeds the maximum of " +
                     std::to_string(options_.max_record_bytes) +
                     " bytes of names, attribute values and text at " + describeCurrentPosition() +
                     "; check that the file is the expected export and is not damaged"));
  return false;
}

void XmlRecordReader::fail(Status error) {
  handler_error_ = std::move(error);
  XML_StopParser(parser_.get(), XML_FALSE);
}

std::string XmlRecordReader::describeCurrentPosition() const {
  XML_Parser parser = parser_.get();
  return describePosition(XML_GetCurrentLineNumber(parser), XML_GetCurrentColumnNumber(parser) + 1,
                          XML_GetCurrentByteIndex(parser));
}

}  // namespace alur::ingest
