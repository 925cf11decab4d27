#include "pii/checksums.hpp"

#include <chrono>

namespace gw::pii::detail {

bool luhn_ok(const char* digits, size_t n) {
  unsigned sum = 0;
  bool dbl = false;
  for (size_t i = n; i-- > 0;) {
    unsigned d = static_cast<unsigned>(digits[i] - '0');
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

char cn_id_check(const char* digits17) {
  static constexpr unsigned kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  unsigned sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += static_cast<unsigned>(digits17[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

bool valid_date(unsigned year, unsigned month, unsigned day) {
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  unsigned last = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= last;
}

int current_year() {
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return static_cast<int>(std::chrono::year_month_day(today).year());
}

}  // namespace gw::pii::detail
