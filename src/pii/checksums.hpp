// Check digits and calendar checks the number detectors use (internal to src/pii).
#pragma once

#include <cstddef>

namespace gw::pii::detail {

// Luhn (ISO/IEC 7812) over n ASCII digits.
bool luhn_ok(const char* digits, size_t n);

// GB 11643-1999 (ISO 7064 MOD 11-2): the check character ('0'-'9' or 'X') of the 17 digits.
char cn_id_check(const char* digits17);

// A real Gregorian date.
bool valid_date(unsigned year, unsigned month, unsigned day);

// The current year (UTC) from the system clock.
int current_year();

}  // namespace gw::pii::detail
