// plaincnn: one program, several subcommands. Any error becomes one line on
// stderr and exit status 2; nothing escapes as a crash.
#include <exception>
#include <iostream>
#include <string>

#include "tools/commands.hpp"

namespace {

const char* kUsage =
    "usage: plaincnn <command> [options]\n"
    "\n"
    "commands:\n"
    "  pass conv_forward|pool_forward|conv_backward|pool_backward ...\n"
    "                   run one pass on .npy files (plaincnn pass --help)\n"
    "  train --api tf1|keras ...\n"
    "                   train LeNet-5 on MNIST (plaincnn train --help)\n"
    "  bench ...        speed table (plaincnn bench --help)\n"
    "  figures ...      experiments and figures for the AlexNet post (plaincnn figures --help)\n";

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        std::cout << kUsage;
        return argc < 2 ? 2 : 0;
    }
    std::string command = argv[1];
    tools::Args args(argv + 2, argv + argc);
    try {
        if (command == "pass") return tools::cmd_pass(args);
        if (command == "train") return tools::cmd_train(args);
        if (command == "bench") return tools::cmd_bench(args);
        if (command == "figures") return tools::cmd_figures(args);
        std::cerr << "plaincnn: unknown command '" << command << "' (expected pass, train, bench or figures)\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "plaincnn " << command << ": " << e.what() << "\n";
        return 2;
    }
}
