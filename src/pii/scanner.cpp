#include "pii/scanner.hpp"

#include <algorithm>

#include "pii/builtins.hpp"
#include "pii/custom.hpp"

namespace gw::pii {

namespace detail {
struct Compiled {
  uint32_t mask = 0;
  std::vector<std::unique_ptr<CustomMatcher>> custom;  // pointers: types stay put
};
}  // namespace detail

namespace {

constexpr std::string_view kNames[] = {"email", "phone", "credit_card", "ssn",
                                       "cn_id", "iban",  "ip",          "secret"};
constexpr uint32_t kBits[] = {detail::kEmail, detail::kPhone, detail::kCard, detail::kSsn,
                              detail::kCnId,  detail::kIban,  detail::kIp,   detail::kSecret};

}  // namespace

std::span<const std::string_view> builtin_detectors() {
  return kNames;
}

std::expected<Scanner, std::string> Scanner::make(const ScannerOptions& opt) {
  auto c = std::make_shared<detail::Compiled>();
  for (const std::string& name : opt.builtin) {
    auto it = std::find(std::begin(kNames), std::end(kNames), name);
    if (it == std::end(kNames)) {
      std::string known;
      for (std::string_view k : kNames) known += (known.empty() ? "" : ", ") + std::string(k);
      return std::unexpected("unknown PII detector \"" + name + "\" (known: " + known + ")");
    }
    c->mask |= kBits[it - std::begin(kNames)];
  }
  for (const CustomDetector& d : opt.custom) {
    auto m = detail::CustomMatcher::compile(d);
    if (!m) return std::unexpected(std::move(m.error()));
    c->custom.push_back(std::move(*m));
  }
  return Scanner(std::move(c));
}

bool Scanner::empty() const {
  return !c_ || (c_->mask == 0 && c_->custom.empty());
}

void Scanner::scan(std::string_view text, std::vector<Match>& out) const {
  out.clear();
  if (!c_ || text.empty()) return;
  // Custom matches first, so that the stable sort below lets them win exact ties.
  for (const auto& m : c_->custom) m->scan(text, out);
  const size_t custom = out.size();
  detail::scan_builtins(text, c_->mask, out);
  if (custom == 0) return;  // the built-ins come sorted and non-overlapping
  std::stable_sort(out.begin(), out.end(), [](const Match& a, const Match& b) {
    return a.begin < b.begin || (a.begin == b.begin && a.end > b.end);
  });
  size_t w = 0;
  for (const Match& m : out) {
    if (w == 0 || m.begin >= out[w - 1].end) out[w++] = m;
  }
  out.resize(w);
}

}  // namespace gw::pii
