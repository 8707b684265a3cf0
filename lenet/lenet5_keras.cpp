// Course task 5: the modified LeNet-5 on the Keras-style front-end, one
// layer per line as in the course's Keras exercise (lenet/lenet5.hpp has
// the table). The shapes on the right are the outputs for a batch of m.
#include "lenet/lenet5.hpp"

namespace keras {

Sequential lenet5(const Input& X, std::uint64_t seed) {
    HeNormal init(seed);  // one generator, drawn in layer order: C1, C3, F5, F6, F7
    Sequential model(X,
                     {
                         Conv2D(6, 5, 1, "same", "relu", init),    // C1 (m, 28, 28, 6)
                         MaxPooling2D(2, 2),                       // S2 (m, 14, 14, 6)
                         Conv2D(16, 5, 1, "valid", "relu", init),  // C3 (m, 10, 10, 16)
                         MaxPooling2D(2, 2),                       // S4 (m, 5, 5, 16)
                         Flatten(),                                //    (m, 400)
                         Dense(120, "relu", init),                 // F5 (m, 120)
                         Dense(84, "relu", init),                  // F6 (m, 84)
                         Dense(10, "softmax", init),               // F7 (m, 10)
                     },
                     seed);
    model.compile(Adam(), "categorical_crossentropy", {"accuracy"});
    return model;
}

}  // namespace keras
