// Course task 4: the modified LeNet-5 (table in lenet/lenet5.hpp) on the
// TF1-style graph, written as the course writes it with tf.layers.
// One layer per line; the comment gives its output shape.
#include "lenet/lenet5.hpp"

#include "lenet/tf1/ops.hpp"
#include "lenet/tf1/optimizer.hpp"

namespace tf1 {

LeNet5 lenet5(const Tensor& x, const Tensor& y) {
    const Initializer init = he_normal_initializer();  // draws C1, C3, F5, F6, F7 in this order
    const nn::Activation relu = nn::Activation::relu(), none = nn::Activation::linear();
    Tensor c1 = layers::conv2d(x, 6, {5, 5}, nn::Padding::same(), relu, init);     // (m, 28, 28, 6)
    Tensor s2 = layers::max_pooling2d(c1, {2, 2}, {2, 2});                         // (m, 14, 14, 6)
    Tensor c3 = layers::conv2d(s2, 16, {5, 5}, nn::Padding::valid(), relu, init);  // (m, 10, 10, 16)
    Tensor s4 = layers::max_pooling2d(c3, {2, 2}, {2, 2});                         // (m, 5, 5, 16)
    Tensor flat = layers::flatten(s4);                                             // (m, 400)
    Tensor f5 = layers::dense(flat, 120, relu, init);                              // (m, 120)
    Tensor f6 = layers::dense(f5, 84, relu, init);                                 // (m, 84)
    Tensor logits = layers::dense(f6, 10, none, init);                             // (m, 10)

    Tensor loss = softmax_cross_entropy(y, logits);                                // ()
    Operation train_op = AdamOptimizer().minimize(loss);
    Tensor y_pred = softmax(logits);                                               // (m, 10)
    Tensor correct = equal(argmax(y_pred, 1), argmax(y, 1));                       // (m)
    Tensor accuracy = reduce_mean(cast(correct, DType::float32));                  // ()
    return {y_pred, train_op, loss, accuracy};
}

}  // namespace tf1
