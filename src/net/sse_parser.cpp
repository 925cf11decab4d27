#include "net/sse_parser.hpp"

namespace gw::net {

namespace {
constexpr size_t kMaxStray = 64 * 1024;
}

void SseParser::take_line() {
  std::string_view line = line_;
  if (first_line_) {
    first_line_ = false;
    if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // a leading UTF-8 BOM
  }
  if (line.empty() || line.front() == ':') return;  // comment / keep-alive
  std::string_view field = line, value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (event_.data.size() + (has_data_ ? 1 : 0) + value.size() > max_bytes_) return overflow();
    if (has_data_) event_.data += '\n';
    event_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.event.assign(value);
  } else if (field == "id") {
    event_.id.assign(value);
  } else if (field != "retry" && stray_.size() < kMaxStray) {
    // Bounded to kMaxStray exactly: one line may be up to max_bytes_ long.
    stray_.append(line.substr(0, kMaxStray - stray_.size())).push_back('\n');
  }
}

void SseParser::overflow() {
  overflowed_ = true;
  has_data_ = false;
  std::string().swap(line_);  // give the memory back now, not when the parser dies
  std::string().swap(event_.data);
}

}  // namespace gw::net
