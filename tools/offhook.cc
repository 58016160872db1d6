// offhook: the command-line front end of the engine. Subcommands live in tools/<name>_command.cc.
//
//   offhook demo ...   the attended transfer: three phones A, B, C over real UDP with SRTP
//   offhook call ...   two phones over real UDP with SRTP (see `offhook call --help`)
//   offhook jbsim ...  a packet trace through the jitter buffer in simulated time
#include <cstdio>
#include <string_view>

#include "tools/commands.hpp"

namespace {

struct Command {
  std::string_view name;
  int (*run)(int, char**);
  const char* const* usage;
};

const Command kCommands[] = {
    {"demo", offhook::cli::run_demo, &offhook::cli::kDemoUsage},
    {"call", offhook::cli::run_call, &offhook::cli::kCallUsage},
    {"send", offhook::cli::run_send, &offhook::cli::kSendUsage},
    {"recv", offhook::cli::run_recv, &offhook::cli::kRecvUsage},
    {"jbsim", offhook::cli::run_jbsim, &offhook::cli::kJbsimUsage},
    {"aec", offhook::cli::run_aec, &offhook::cli::kAecUsage},
};

void print_usage(FILE* to) {
  std::fputs("usage: offhook COMMAND [OPTIONS]\n", to);
  for (const Command& c : kCommands) std::fputs(*c.usage, to);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return 0;
  }
  for (const Command& c : kCommands) {
    if (name != c.name) continue;
    if (argc == 3 && (std::string_view(argv[2]) == "--help" || std::string_view(argv[2]) == "-h")) {
      std::fputs(*c.usage, stdout);
      return 0;
    }
    return c.run(argc, argv);
  }
  std::fprintf(stderr, "offhook: unknown command '%s'\n", argv[1]);
  print_usage(stderr);
  return 2;
}
