// libpq, loaded with dlopen when the first PostgreSQL store is opened. Linked in, it and the
// twenty libraries it pulls (Kerberos, LDAP, GnuTLS, ...) cost every gw process about 4 MB at
// start, the default SQLite one included; loaded on demand they cost only the processes that
// use PostgreSQL. The types and prototypes still come from libpq-fe.h.
#pragma once

#include <libpq-fe.h>

#include <string>

namespace gw::store {

// clang-format off
#define GW_LIBPQ_FUNCTIONS(X) \
  X(PQconnectdbParams) \
  X(PQstatus) \
  X(PQfinish) \
  X(PQreset) \
  X(PQerrorMessage) \
  X(PQsetNoticeProcessor) \
  X(PQexec) \
  X(PQexecParams) \
  X(PQsendQueryParams) \
  X(PQsetSingleRowMode) \
  X(PQgetResult) \
  X(PQresultStatus) \
  X(PQclear) \
  X(PQcmdTuples) \
  X(PQntuples) \
  X(PQgetisnull) \
  X(PQgetvalue) \
  X(PQgetlength)
// clang-format on

struct LibPq {
#define GW_LIBPQ_MEMBER(name) decltype(&::name) name = nullptr;
  GW_LIBPQ_FUNCTIONS(GW_LIBPQ_MEMBER)
#undef GW_LIBPQ_MEMBER
};

// The loaded library (once per process, thread-safe); nullptr with `why` set when it is not
// installed or lacks a function.
const LibPq* libpq(std::string& why);

}  // namespace gw::store
