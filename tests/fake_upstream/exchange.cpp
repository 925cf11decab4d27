#include "exchange.hpp"

#include <atomic>
#include <cctype>

#include "recorder.hpp"

namespace fake {

std::uint64_t next_seq() {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

void send_json(httplib::Response& res, int status, const std::string& body,
               const char* content_type) {
  res.status = status;
  res.set_content(body, content_type);
}

namespace {

// cpp-httplib injects the peer/local address as pseudo headers; they were never sent.
bool is_pseudo_header(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
         name == "LOCAL_PORT";
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::map<std::string, std::string> parse_query(const std::string& target) {
  std::map<std::string, std::string> out;
  auto q = target.find('?');
  if (q == std::string::npos) return out;
  httplib::detail::split(
      target.data() + q + 1, target.data() + target.size(), '&', [&](const char* b, const char* e) {
        std::string_view kv(b, static_cast<std::size_t>(e - b));
        auto eq = kv.find('=');
        std::string key(kv.substr(0, eq));
        std::string val(eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1));
        out.emplace(httplib::detail::decode_url(key, true), httplib::detail::decode_url(val, true));
      });
  return out;
}

void record_exchange(Exchange& ex) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : ex.req.headers) {
    if (!is_pseudo_header(name)) headers[lower(name)] = value;
  }
  nlohmann::json query = nlohmann::json::object();
  for (const auto& [name, value] : ex.query) query[name] = value;

  nlohmann::json entry;
  entry["dialect"] = ex.dialect;
  entry["method"] = ex.req.method;
  entry["path"] = ex.req.path;
  entry["query"] = std::move(query);
  entry["headers"] = std::move(headers);
  if (ex.body.is_discarded())
    entry["body"] = ex.req.body;
  else
    entry["body"] = std::move(ex.body);
  entry["model"] = ex.model;
  entry["usage"] = std::move(ex.usage);
  entry["status"] = ex.res.status;
  entry["peer_gone_ms"] =
      ex.peer_gone_ms < 0 ? nlohmann::json(nullptr) : nlohmann::json(ex.peer_gone_ms);
  recorder().add(std::move(entry));
}

}  // namespace fake
