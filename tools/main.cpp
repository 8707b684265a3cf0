// plaincnn: one program, several subcommands. Any error becomes one line on
// stderr and exit status 2; nothing escapes as a crash.
#include <exception>
#include <iostream>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "nn/errors.hpp"
#include "tools/commands.hpp"

namespace {

const char* kUsage =
    "usage: plaincnn <command> [flags]\n"
    "\n"
    "commands:\n"
    "  pass conv_forward  --A A.npy --W W.npy --b b.npy\n"
    "                     [--activation relu|tanh|sigmoid|linear]\n"
    "                     [--padding same|valid|PH,PW] [--stride SH,SW] --out Z.npy\n"
    "  pass pool_forward  --A A.npy --kernel KH,KW [--stride SH,SW] [--mode max|avg] --out Z.npy\n"
    "  pass conv_backward --dZ dZ.npy --A A.npy --W W.npy --b b.npy\n"
    "                     [--padding same|valid|PH,PW] [--stride SH,SW]\n"
    "                     --out-dA dA.npy --out-dW dW.npy --out-db db.npy\n"
    "  pass pool_backward --dA dA.npy --A A.npy --kernel KH,KW [--stride SH,SW]\n"
    "                     [--mode max|avg] --out dA_prev.npy\n"
    "                     run one course pass on .npy files (plaincnn pass --help)\n"
    "  train --api tf1|keras [--epochs N] [--batch-size B] [--seed S]\n"
    "        [--data DIR] [--save FILE.npz] [--plot FILE.svg] [--threads N]\n"
    "                     train LeNet-5 on MNIST (plaincnn train --help)\n"
    "  evaluate --weights FILE [--data DIR] [--batch-size N]\n"
    "                     test-set loss and accuracy of saved weights (plaincnn evaluate --help)\n"
    "  predict --weights FILE IMAGE...\n"
    "                     the digit LeNet-5 sees in each image: .npy, PGM or PNG (plaincnn predict --help)\n"
    "  export --weights FILE --onnx lenet5.onnx\n"
    "                     LeNet-5 as an ONNX model for other tools (plaincnn export --help)\n"
    "  bench ...          speed table (plaincnn bench --help)\n"
    "  figures ...        experiments and figures for the AlexNet post (plaincnn figures --help)\n"
    "\n"
    "Defaults follow the course: padding same, stride 1,1, mode max, activation linear.\n"
    "Exit status: 0 on success, 2 on bad input (with one line on stderr).\n";

// An error message as one line a terminal shows as it is: line breaks and
// other control bytes (from a file name or a file's header, say) become
// "\xHH", and a message longer than 2000 bytes is cut.
std::string one_line(const std::string& text) { return nn::excerpt(text, 2000); }

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
    // A training step allocates and frees a few MB of tensors, and a course
    // pass a few hundred MB. glibc gives large blocks their own mmap, unmapped
    // when freed, and returns freed memory at the top of the heap to the
    // kernel, so the next call page-faults it all back in: about 0.5 ms per
    // MB on the bench's VM, two thirds of conv_forward's time on the course
    // example (186 -> 60 ms) and a fifth of a LeNet-5 step (`plaincnn bench`).
    // Serve every block from the heap and keep up to 1 GB of it once freed;
    // the peak resident size of `plaincnn train` is unchanged.
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_MMAP_MAX, 0);
#endif
    if (argc < 2) {
        std::cerr << "plaincnn: missing command (pass, train, evaluate, predict, export, bench or figures); see plaincnn --help\n";
        return 2;
    }
    std::string command = argv[1];
    if (command == "--help" || command == "-h") {
        std::cout << kUsage;
        return 0;
    }
    tools::Args args(argv + 2, argv + argc);
    try {
        if (command == "pass") return tools::cmd_pass(args);
        if (command == "evaluate") return tools::cmd_evaluate(args);
        if (command == "train") return tools::cmd_train(args);
        if (command == "bench") return tools::cmd_bench(args);
        if (command == "figures") return tools::cmd_figures(args);
        if (command == "predict") return tools::cmd_predict(args);
        if (command == "export") return tools::cmd_export(args);
        std::cerr << "plaincnn: unknown command '" << one_line(command)
                  << "' (expected pass, train, evaluate, predict, export, bench or figures; see plaincnn --help)\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "plaincnn " << one_line(command) << ": " << one_line(e.what()) << "\n";
        return 2;
    } catch (...) {
        std::cerr << "plaincnn " << one_line(command) << ": unexpected error\n";
        return 2;
    }
}
