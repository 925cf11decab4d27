// The guard's round trip on hostile text: every match the scanner reports lies inside the
// text, in order, without overlap; masking each match with its placeholder and restoring the
// masked text, whole or as a stream cut at any point, gives back exactly the original.
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "pii/restore.hpp"
#include "pii/scanner.hpp"

namespace {

const gw::pii::Scanner& scanner() {
  static const gw::pii::Scanner s = [] {
    gw::pii::ScannerOptions opt;
    for (auto name : gw::pii::builtin_detectors()) opt.builtin.emplace_back(name);
    opt.custom.push_back({"EMPLOYEE_ID", "EMP-[0-9]{6}", {}});
    opt.custom.push_back({"PROJECT", "", {"Project Falcon", "猎鹰计划"}});
    auto made = gw::pii::Scanner::make(opt);
    gw::fuzz::check(made.has_value(), "the scanner builds");
    return *made;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = gw::fuzz::as_text(data, size);
  std::vector<gw::pii::Match> matches;
  scanner().scan(text, matches);
  size_t last = 0;
  for (const auto& m : matches) {
    gw::fuzz::check(m.begin >= last && m.begin < m.end && m.end <= text.size(),
                    "matches are in bounds, ordered and disjoint");
    last = m.end;
  }
  // Mask as the guard does.
  gw::pii::Placeholders ph;
  std::string masked;
  last = 0;
  for (const auto& m : matches) {
    masked.append(text.substr(last, m.begin - last));
    masked += ph.assign(m.type, text.substr(m.begin, m.end - m.begin));
    last = m.end;
  }
  masked.append(text.substr(last));
  // A text that already held a placeholder-looking string can come back different (the model
  // side cannot tell them apart either); only check the round trip when it held none.
  const bool clean = text.find('<') == std::string_view::npos;
  std::string whole;
  ph.restore(masked, whole);
  if (clean) gw::fuzz::check(whole == text, "restore(mask(text)) == text");
  // Streamed in pieces of a size the input chooses: the same as whole.
  const size_t step = 1 + gw::fuzz::hash(text) % 17;
  gw::pii::StreamRestorer r;
  std::string streamed;
  for (size_t at = 0; at < masked.size(); at += step) {
    std::string out;
    r.feed(ph, std::string_view(masked).substr(at, step), out);
    streamed += out;
  }
  r.flush(ph, streamed);
  gw::fuzz::check(streamed == whole, "a restored stream equals the restored whole");
  return 0;
}
