// The offhook CLI's subcommands. Each takes the whole argv (argv[1] is its own name) and returns
// the process exit code: 0 success, 1 failure, 2 usage error.
#pragma once

namespace offhook::cli {

extern const char* const kCallUsage;
int run_call(int argc, char** argv);
extern const char* const kSendUsage;
int run_send(int argc, char** argv);
extern const char* const kRecvUsage;
int run_recv(int argc, char** argv);

extern const char* const kJbsimUsage;
int run_jbsim(int argc, char** argv);

extern const char* const kDemoUsage;
int run_demo(int argc, char** argv);

extern const char* const kAecUsage;
int run_aec(int argc, char** argv);

}  // namespace offhook::cli
