// A streaming reader of the records of an XML export (one element per lease), built on expat.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <istream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

struct XML_ParserStruct;  // expat's parser, declared in <expat.h>

namespace alur::ingest {

struct XmlOptions {
  // Element path of one record from the root, with "/" between names, e.g. "ExportBaux/Bail".
  // Names are compared as written, prefix included, because namespaces are not resolved.
  std::string record_path;
  // Maximum bytes of one record: its element names, attribute names and values, and text. It also
  // caps any single tag, comment or processing instruction, which expat buffers whole.
  std::size_t max_record_bytes = 1 << 20;
};

// Reads the elements at XmlOptions::record_path one at a time. Memory grows with the largest
// record, not with the file: the reader keeps expat's buffer (one 64 KiB chunk and any tag that
// is not finished yet) and one record in memory.
//
// Field keys are paths relative to the record element:
//   "@lot"                 attribute of the record element
//   "Locataire"            text of a child element, with leading and trailing whitespace removed
//   "Adresse/@numero"      attribute of a child element
//   "Contrat/Loyer/@hc"    attribute of a grandchild
//   "."                    text of the record element itself, only when it is not blank
// An element's text is stored when it is not blank, or when the element has neither attributes
// nor child elements: <Note/> gives "Note" = "", but <Contrat nature="vide"><Loyer/></Contrat>
// gives no "Contrat" key. Attribute values are kept as expat returns them: entities decoded,
// whitespace characters replaced by spaces, not trimmed.
//
// Repeated paths: the first value of each key wins. When one record has two <Loyer> elements,
// the values of the first are kept and the repeated keys are listed by recordDuplicates().
//
// Encodings: expat decodes UTF-8, UTF-16 and US-ASCII, and the reader adds Windows-1252 and
// ISO-8859-15. A document declared ISO-8859-1 is read as Windows-1252, its common superset in
// exports. Values are UTF-8.
//
// Security: no external entity or DTD is ever loaded. A declaration of an external entity, a
// reference to one, and a reference to an entity that is declared only in an external DTD are
// errors. Expat (2.4 and later) limits the expansion of internal entities.
class XmlRecordReader {
 public:
  // Bytes read from the stream and passed to expat at a time.
  static constexpr std::size_t kChunkSize = 64 * 1024;

  XmlRecordReader(std::istream& in, XmlOptions options);
  ~XmlRecordReader();
  XmlRecordReader(const XmlRecordReader&) = delete;
  XmlRecordReader& operator=(const XmlRecordReader&) = delete;

  // Reads the next record into `fields` (cleared first). Returns true when a record was read,
  // false at the end of a well-formed document, or an error naming the line, column and byte
  // offset. The records before a malformed part are returned before the error, and after an
  // error every later call returns the same error.
  Result<bool> next(std::map<std::string, std::string>& fields);

  std::uint64_t recordLine() const;    // 1-based line of the last record's start tag
  std::uint64_t recordOffset() const;  // 0-based byte offset of that start tag in the stream
  // Keys of the last record that occurred more than once in it.
  const std::set<std::string>& recordDuplicates() const;

 private:
  struct ParserDeleter {
    void operator()(XML_ParserStruct* parser) const;
  };

  // A record read by the parser and not yet returned by next().
  struct Record {
    std::map<std::string, std::string> fields;
    std::set<std::string> duplicates;
    std::uint64_t line = 0;
    std::uint64_t offset = 0;
  };

  // An element open inside the record being read.
  struct OpenElement {
    std::size_t path_length = 0;  // length of its path in path_, to cut back to at its end tag
    std::string text;             // its own character data, without that of its children
    bool text_only = true;        // false once it has an attribute or a child element
  };

  // The expat handlers, defined in xml_reader.cpp, call the private members below.
  struct Handlers;

  Status createParser();
  // Passes the next chunk to expat, or resumes it after a record. Returns an error, or Ok when
  // expat stopped for a record, needs more input or reached the end of the document.
  Status parseMore();
  Status readChunk(char* buffer, std::size_t& count);
  void overrideLatin1(std::string_view head);
  Status checkPendingToken();
  Status parseError() const;

  void startElement(const char* name, const char** attributes);
  void endElement();
  void addText(const char* text, int length);
  void startRecord(const char* name, const char** attributes);
  void startChild(const char* name, const char** attributes);
  void addAttributes(const char** attributes);
  void endChild();
  void endRecord();
  void addField(const std::string& key, std::string value);
  // Adds `bytes` to the size of the record. Above the maximum, fails the parse and returns false.
  bool countRecordBytes(std::size_t bytes);
  // Stores `error` as the reason for stopping and aborts the parse.
  void fail(Status error);
  std::string describeCurrentPosition() const;

  std::istream& in_;
  XmlOptions options_;
  std::vector<std::string> path_names_;  // record_path split at "/"
  std::unique_ptr<XML_ParserStruct, ParserDeleter> parser_;
  Status error_;          // the first error, returned again by every later call of next()
  Status handler_error_;  // an error found by a handler, which then aborts the parse

  std::uint64_t bytes_fed_ = 0;   // bytes passed to expat so far
  bool input_ended_ = false;      // the last chunk read was the end of the stream
  bool suspended_ = false;        // expat stopped after a record and waits for XML_ResumeParser
  bool finished_ = false;         // the document was parsed to its end
  std::string unknown_encoding_;  // the declared encoding that the reader could not map

  // Position outside records: depth_ open elements, of which the first matched_ are the first
  // names of record_path.
  std::size_t depth_ = 0;
  std::size_t matched_ = 0;

  // The record being read, while open_ is not empty.
  std::vector<OpenElement> open_;
  std::string path_;  // path of the innermost open element, relative to the record element
  Record record_;
  std::size_t record_bytes_ = 0;

  // Records parsed and not yet returned, in document order. There is at most one, because expat
  // is suspended after each record.
  std::deque<Record> ready_;
  Record last_;  // the record returned by the last call of next()
};

}  // namespace alur::ingest
