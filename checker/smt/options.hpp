// Options and statistics of the SMT engine, without Z3 headers (the CLI and checker/run use them).
#pragma once

#include <string>

namespace pagecheck::smt {

struct SmtOptions {
  double query_timeout = 300;  // seconds per solver query (also capped by --time-limit)
  std::string dump_file;       // --smt-dump: the SMT-LIB of the last query
  bool all_layouts = false;    // start from every well-formed layout of the geometry
  bool log = false;            // --smt-log: one line per query on stderr
};

struct SmtStats {
  long queries = 0;
  double solver_seconds = 0;
  double encode_seconds = 0;
  long depth = 0;          // deepest depth encoded
  bool exhausted = false;  // no execution is longer than `depth` - 1 steps
  long layouts = 0;        // initial states: 1, or 0 for "every well-formed layout"
  long variables = 0;      // state variables per step
};

}  // namespace pagecheck::smt
