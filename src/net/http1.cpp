// HTTP/1.1 framing (RFC 9112). Heads are scanned as string_views (memchr for line ends, table
// lookups for token bytes); the only allocations are the strings kept in the parsed head.
#include "net/http1.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <utility>

namespace gw::net::http1 {

namespace {

constexpr size_t npos = std::string_view::npos;

// RFC 9110 tchar: the bytes of methods, header names and transfer codings.
constexpr std::array<bool, 256> make_tchar() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr auto kTchar = make_tchar();

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return kTchar[static_cast<unsigned char>(c)]; });
}

// Field values and reason phrases: no controls but HTAB, so a stray CR or NUL cannot smuggle
// a line break past us.
bool is_field_text(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

// request-target: visible ASCII and obs-text, no whitespace.
bool is_target(std::string_view s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

constexpr auto is_ows = [](char c) { return c == ' ' || c == '\t'; };

// Case-insensitive compare against a lowercase literal; net::iequals goes through the locale's
// tolower, which showed up in profiles of this hot path.
bool is_name(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] + ('a' - 'A')) : s[i];
    if (c != lower[i]) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// Calls f(element) for each non-empty, trimmed element of a comma-separated list.
template <class F>
void for_each_element(std::string_view list, F&& f) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    auto el = trim_ows(list.substr(0, comma));
    if (!el.empty()) f(el);
    if (comma == npos) break;
    list.remove_prefix(comma + 1);
  }
}

// Leading empty lines before a request line are allowed (RFC 9112 2.2): some clients send an
// extra CRLF after a POST body.
size_t skip_empty_lines(std::string_view buf) {
  size_t i = 0;
  while (buf.substr(i).starts_with('\n') || buf.substr(i).starts_with("\r\n"))
    i += buf[i] == '\n' ? 1 : 2;
  return i;
}

// Offset just past the empty line that ends the head starting at `from`, or 0 when it is not
// in `buf` yet. LF and CRLF line ends both count.
size_t find_head_end(std::string_view buf, size_t from) {
  size_t pos = from;
  while (pos < buf.size()) {
    const void* p = std::memchr(buf.data() + pos, '\n', buf.size() - pos);
    if (p == nullptr) return 0;
    size_t next = static_cast<size_t>(static_cast<const char*>(p) - buf.data()) + 1;
    if (next < buf.size() && buf[next] == '\n') return next + 1;
    if (next + 1 < buf.size() && buf[next] == '\r' && buf[next + 1] == '\n') return next + 2;
    pos = next;
  }
  return 0;
}

// Splits off the next line of `rest` (which must contain an LF), without its line end.
std::string_view next_line(std::string_view& rest) {
  size_t nl = rest.find('\n');
  auto line = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool fail(ParseResult& r, int status, const char* why) {
  r.status = Parse::error;
  r.consumed = 0;
  r.error_status = status;
  r.error = why;
  return false;
}

ParseResult failed(ParseResult& r, int status, const char* why) {
  fail(r, status, why);
  return std::move(r);
}

// "HTTP/1.x": sets minor; a well-formed other major version is `unsupported`.
bool parse_version(std::string_view v, int& minor, ParseResult& r, int bad_status,
                   int unsupported) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (v.size() != 8 || !v.starts_with("HTTP/") || !digit(v[5]) || v[6] != '.' || !digit(v[7]))
    return fail(r, bad_status, "malformed HTTP version");
  if (v[5] != '1') return fail(r, unsupported, "unsupported HTTP version");
  minor = v[7] - '0';
  return true;
}

// Framing-relevant header facts, gathered while the headers are stored.
struct Facts {
  bool has_cl = false;
  int64_t cl = -1;
  bool has_te = false;
  int te_chunked = 0;  // how many times chunked appears
  int te_other = 0;    // codings other than chunked
  bool te_last_chunked = false;
  bool conn_close = false;
  bool conn_keep_alive = false;
  bool expect_continue = false;
};

bool parse_content_length(std::string_view v, Facts& f, ParseResult& r, int bad_status) {
  bool ok = true;
  bool any = false;
  // A list of identical values ("5, 5") is what a proxy merging duplicates produces.
  for_each_element(v, [&](std::string_view el) {
    int64_t n = -1;
    auto [p, ec] = std::from_chars(el.data(), el.data() + el.size(), n);
    // from_chars takes a leading '-'; overflow is an error too.
    ok = ok && el[0] != '-' && ec == std::errc() && p == el.data() + el.size() &&
         (!f.has_cl || f.cl == n);
    any = f.has_cl = true;
    f.cl = n;
  });
  if (!ok || !any) return fail(r, bad_status, "invalid Content-Length");
  return true;
}

void note_transfer_encoding(std::string_view v, Facts& f) {
  f.has_te = true;
  for_each_element(v, [&](std::string_view el) {
    auto coding = trim_ows(el.substr(0, el.find(';')));
    f.te_last_chunked = is_name(coding, "chunked");
    ++(f.te_last_chunked ? f.te_chunked : f.te_other);
  });
}

// Parses header lines up to (not including) the empty line; `rest` holds them with their line
// ends. Stores headers as sent and collects the framing facts. Overwrites the entries already
// in `out` so a head reused across a connection's requests keeps its strings' capacity.
bool parse_headers(std::string_view rest, Headers& out, Facts& f, ParseResult& r, int bad_status) {
  out.reserve(16);
  size_t n = 0;
  auto done = [&](bool ok) {
    out.resize(n);
    return ok;
  };
  while (!rest.empty()) {
    auto line = next_line(rest);
    if (line.empty()) break;
    if (is_ows(line.front())) return done(fail(r, bad_status, "obsolete line folding"));
    size_t colon = line.find(':');
    if (colon == npos) return done(fail(r, bad_status, "header line without a colon"));
    auto name = line.substr(0, colon);
    auto value = trim_ows(line.substr(colon + 1));
    if (!is_token(name)) return done(fail(r, bad_status, "invalid header name"));
    if (!is_field_text(value)) return done(fail(r, bad_status, "invalid header value"));
    if (is_name(name, "content-length")) {
      if (!parse_content_length(value, f, r, bad_status)) return done(false);
    } else if (is_name(name, "transfer-encoding")) {
      note_transfer_encoding(value, f);
    } else if (is_name(name, "connection")) {
      for_each_element(value, [&](std::string_view el) {
        if (is_name(el, "close")) f.conn_close = true;
        if (is_name(el, "keep-alive")) f.conn_keep_alive = true;
      });
    } else if (is_name(name, "expect")) {
      if (is_name(value, "100-continue")) f.expect_continue = true;
    }
    if (n < out.size()) {
      out[n].first.assign(name);
      out[n].second.assign(value);
    } else {
      out.emplace_back(name, value);
    }
    ++n;
  }
  return done(true);
}

bool keep_alive(const Facts& f, int minor) {
  if (f.conn_close) return false;
  return minor >= 1 || f.conn_keep_alive;
}

bool parse_request_line(std::string_view line, RequestHead& out, ParseResult& r) {
  size_t sp1 = line.find(' ');
  if (sp1 == npos) return fail(r, 400, "malformed request line");
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == npos) return fail(r, 400, "malformed request line");
  auto method = line.substr(0, sp1);
  auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!is_token(method)) return fail(r, 400, "invalid method");
  if (!is_target(target)) return fail(r, 400, "invalid request target");
  if (!parse_version(line.substr(sp2 + 1), out.framing.version_minor, r, 400, 505)) return false;
  out.method.assign(method);
  out.target.assign(target);
  return true;
}

// Malformed upstream responses become a gateway error.
constexpr int kBadResponse = 502;

bool parse_status_line(std::string_view line, ResponseHead& out, ParseResult& r) {
  if (line.size() < 12 || line[8] != ' ') return fail(r, kBadResponse, "malformed status line");
  if (!parse_version(line.substr(0, 8), out.framing.version_minor, r, kBadResponse, kBadResponse))
    return false;
  auto code = line.substr(9, 3);
  if (code[0] < '1' || code[0] > '9' || code[1] < '0' || code[1] > '9' || code[2] < '0' ||
      code[2] > '9')
    return fail(r, kBadResponse, "invalid status code");
  std::string_view reason;
  if (line.size() > 12) {
    if (line[12] != ' ') return fail(r, kBadResponse, "invalid status code");
    reason = line.substr(13);
  }
  if (!is_field_text(reason)) return fail(r, kBadResponse, "invalid reason phrase");
  out.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  out.reason.assign(reason);
  return true;
}

// Locates the head in `buf`, then parses its start line with `start_line` and its headers,
// collecting `f`; the caller derives the framing.
template <class Head, class StartLine>
ParseResult parse_head(std::string_view buf, Head& out, size_t max_head, bool request,
                       StartLine start_line, Facts& f) {
  ParseResult r;
  // Only the first max_head bytes can hold a head we accept.
  auto win = buf.substr(0, std::min(buf.size(), max_head));
  size_t start = request ? skip_empty_lines(win) : 0;
  size_t end = find_head_end(win, start);
  auto rest = end == 0 ? win.substr(start) : win.substr(start, end - start);
  if (end == 0) {
    out.headers.clear();
    if (buf.size() >= max_head) return failed(r, request ? 431 : kBadResponse, "head too large");
    // Reject a garbage start line now rather than after the peer's timeout.
    if (rest.find('\n') != npos) start_line(next_line(rest), out, r);
    return r;
  }
  if (!start_line(next_line(rest), out, r)) {
    out.headers.clear();
    return r;
  }
  if (parse_headers(rest, out.headers, f, r, request ? 400 : kBadResponse)) {
    r.status = Parse::complete;
    r.consumed = end;
  }
  return r;
}

}  // namespace

ParseResult parse_request_head(std::string_view buf, RequestHead& out, size_t max_head) {
  out.method.clear();
  out.target.clear();
  out.framing = {};
  out.expect_continue = false;
  Facts f;
  auto r = parse_head(buf, out, max_head, true, parse_request_line, f);
  if (r.status != Parse::complete) return r;

  auto& fr = out.framing;
  if (f.has_te) {
    if (f.has_cl) return failed(r, 400, "both Content-Length and Transfer-Encoding");
    // Only chunked is implemented; any other coding leaves a body we cannot decode.
    if (f.te_other > 0) return failed(r, 501, "unsupported Transfer-Encoding");
    if (f.te_chunked != 1) return failed(r, 400, "invalid Transfer-Encoding");
    fr.chunked = true;
  } else {
    fr.content_length = f.cl;
  }
  fr.keep_alive = keep_alive(f, fr.version_minor);
  // A 1.0 client does not know 100 Continue (RFC 9110 10.1.1).
  out.expect_continue = f.expect_continue && fr.version_minor >= 1;
  return r;
}

ParseResult parse_response_head(std::string_view buf, ResponseHead& out, size_t max_head) {
  out.status = 0;
  out.reason.clear();
  out.framing = {};
  Facts f;
  auto r = parse_head(buf, out, max_head, false, parse_status_line, f);
  if (r.status != Parse::complete) return r;

  auto& fr = out.framing;
  fr.keep_alive = keep_alive(f, fr.version_minor);
  if (f.has_te) {
    if (f.has_cl) return failed(r, kBadResponse, "both Content-Length and Transfer-Encoding");
    if (f.te_chunked > 1) return failed(r, kBadResponse, "chunked applied twice");
    fr.chunked = f.te_last_chunked;
    // RFC 9112 6.3: without chunked last, the body runs until the server closes.
    if (!fr.chunked) fr.keep_alive = false;
  } else {
    fr.content_length = f.cl;
  }
  return r;
}

std::string_view RequestHead::path() const {
  return std::string_view(target).substr(0, target.find('?'));
}

bool ChunkedDecoder::step(char c) {
  using S = State;
  if (c == '\n') {  // ends a framing line, after a CR or bare
    switch (state_) {
      case S::size:
        if (size_digits_ == 0) return false;
        [[fallthrough]];
      case S::size_ext:
      case S::size_lf:
        state_ = remaining_ == 0 ? S::trailer : S::data;
        size_digits_ = 0;
        trailer_line_empty_ = true;
        return true;
      case S::data_cr:
      case S::data_lf:
        state_ = S::size;
        return true;
      case S::trailer:
      case S::trailer_lf:
        state_ = trailer_line_empty_ ? S::done : S::trailer;
        trailer_line_empty_ = true;
        return true;
      default:
        return false;
    }
  }
  switch (state_) {
    case S::size: {
      int v = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (v >= 0) {
        // 15 hex digits keep the size below 2^60: no overflow, and it fits int64_t.
        remaining_ = remaining_ * 16 + static_cast<uint64_t>(v);
        return ++size_digits_ <= 15;
      }
      if (size_digits_ == 0) return false;
      if (c == '\r') {
        state_ = S::size_lf;
        return true;
      }
      state_ = S::size_ext;  // BWS may precede an extension
      return c == ';' || is_ows(c);
    }
    case S::size_ext:  // extensions carry nothing we use
      if (c == '\r') state_ = S::size_lf;
      return true;
    case S::data_cr:
      state_ = S::data_lf;
      return c == '\r';
    case S::trailer:
      if (c == '\r') state_ = S::trailer_lf;
      trailer_line_empty_ = trailer_line_empty_ && c == '\r';
      return true;
    default:  // a CR not followed by LF, data (feed() consumes it), or done
      return false;
  }
}

std::string_view reason_phrase(int status) {
  // clang-format off
  static constexpr std::pair<int, std::string_view> kReasons[] = {
      {100, "Continue"}, {200, "OK"}, {201, "Created"}, {204, "No Content"},
      {400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"}, {404, "Not Found"},
      {405, "Method Not Allowed"}, {408, "Request Timeout"}, {409, "Conflict"},
      {413, "Content Too Large"}, {415, "Unsupported Media Type"},
      {422, "Unprocessable Content"}, {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"}, {500, "Internal Server Error"},
      {501, "Not Implemented"}, {502, "Bad Gateway"}, {503, "Service Unavailable"},
      {504, "Gateway Timeout"}, {505, "HTTP Version Not Supported"}};
  // clang-format on
  for (const auto& [code, reason] : kReasons)
    if (code == status) return reason;
  return "Unknown";
}

namespace {

size_t headers_size(const Headers& headers) {
  size_t n = 2;
  for (const auto& [k, v] : headers) n += k.size() + v.size() + 4;
  return n;
}

void append_headers(std::string& out, const Headers& headers) {
  for (const auto& [k, v] : headers) {
    out.append(k);
    out.append(": ");
    out.append(v);
    out.append("\r\n");
  }
  out.append("\r\n");
}

}  // namespace

void append_response_head(std::string& out, int status, const Headers& headers) {
  auto reason = reason_phrase(status);
  out.reserve(out.size() + 24 + reason.size() + headers_size(headers));
  out.append("HTTP/1.1 ");
  char num[16];
  auto [p, ec] = std::to_chars(num, num + sizeof num, status);
  out.append(num, p);
  out.push_back(' ');
  out.append(reason);
  out.append("\r\n");
  append_headers(out, headers);
}

void append_request_head(std::string& out, std::string_view method, std::string_view target,
                         std::string_view host, const Headers& headers) {
  out.reserve(out.size() + method.size() + target.size() + host.size() + 24 +
              headers_size(headers));
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out.append(" HTTP/1.1\r\nHost: ");
  out.append(host);
  out.append("\r\n");
  append_headers(out, headers);
}

void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) return;  // an empty chunk would read as the last chunk
  char num[24];
  auto [p, ec] = std::to_chars(num, num + sizeof num, data.size(), 16);
  out.reserve(out.size() + static_cast<size_t>(p - num) + data.size() + 4);
  out.append(num, p);
  out.append("\r\n");
  out.append(data);
  out.append("\r\n");
}

}  // namespace gw::net::http1
