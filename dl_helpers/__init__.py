"""dl_helpers -- the lecture's mathematics from scratch in NumPy, next to its torch twin.

Public API: one module per lecture topic; import from the module
(``from dl_helpers.network import forward, backward``). Every NumPy function has a torch
counterpart named ``name_torch`` (``dense_forward`` / ``dense_forward_torch``), and ``tests/``
proves both agree in float64 (≤ 1e-10). Adding a topic? ``dl_helpers/README.md`` says where its
computation, torch twin, layer, figures, slider, checker, tests, benchmark and notebook go.

Mathematics (NumPy from scratch + torch twin)::

    activations    σ and σ' by name: ACTIVATIONS, get_activation, softmax           Skript §1, §4
    losses         mse (1/2m), logistic, bce(_with_logits), cce(_with_logits) + grads Skript §2
    initializers   init_weight(scheme, d_in, d_out, rng), target_variance           Skript §5
    layers         dense / activation / softmax layers: <layer>_forward -> (out, cache),
                   <layer>_backward(dout, cache) -> grads, <layer>_forward_torch     Skript §3
    network        Layer(W, b), init_mlp, forward, backward(_augmented), to_torch:
                   a loop over layers; loss_and_grads(params, X, y, activations, loss) Skript §1, §3
    conv           conv2d (im2col), max/avg pooling, flatten layers; conv_output_size;
                   backward written as convolutions; correlate2d / convolve2d        Folien (66)–(84)
    cnn            a CNN as a loop over layers (init_cnn, DIGITS_CNN), TorchCNN,
                   train_cnn / train_cnn_torch: same curves                          Folien (75)–(84)
    rnn            RNN (δ-recursion BPTT), LSTM, GRU layers in torch's weight layout;
                   params_from_torch / params_to_torch, lstm_to_lecture              Folien (96)–(104)
    gradcheck      numerical_gradient, rel_error, gradient_check                     Refresher, §3
    optimizers     SGD (momentum, Nesterov), Adam(W), RMSprop: torch.optim semantics Folien GD/Adam
    perceptron     perceptron_train / perceptron_predict, labels ±1                  Folien (18)–(23)
    training       train / train_torch: same data order, History                     Folien SGD
    attention      scaled dot-product attention layer (forward/backward/torch), ViT patch
                   embedding (image_to_patches, patch_embedding)                     Folien (93)–(95)
    architectures  layer specs -> summarize (shapes, params, MACs), AlexNet … MobileNetV2 as
                   data, build_torch (same counts as published)                      Folien (85)–(92)
    vae            KL to N(0, I), −ELBO, reparameterisation (+ as layers), AE/VAE models Folien (105)–(110)
    gan            GAN/WGAN losses, optimal D, W₁ and sliced W₁, mode metrics, train_gan Folien (111)–(115)

Data, studies and display (computation separate from plotting)::

    data           seeded toy sets (blobs, XOR, moons, spirals, 1-D regression, GMM), load_digits_data
    refresher      finite differences, error vs step size, unit balls                Notebook 00
    approximation  one-hidden-layer universal approximation study                    Notebook 02
    worked_example the slides' small backprop network with every number             Notebook 04
    landscapes     2-D test functions (Landscape with f, grad, hessian, f_torch)    Notebook 05
    trajectories   optimiser paths (NumPy / torch.optim), stability limits, Adam facts Notebook 05
    init_study     init variance × activation × depth: one forward/backward pass     Notebooks 06, 07
    rnn_study      gradient norm over time, memory task (torch training), gate trace Notebook 10
    architecture_studies  receptive field, separable saving, compound scaling,
                   gradient flow with/without skips                                  Notebook 09
    maintenance    C-MAPSS-like run-to-failure data, RUL pipeline, metrics, 4 models Notebook 13
    plotting       shared style, decision grids, BlitFigure: the one base of every live figure
    <topic>_plots  a topic's figures on BlitFigure, each with a render function for the
                   sliders: refresher_, perceptron_, approximation_, training_, optimizers_,
                   init_study_, architectures_, conv_plots (filters, feature maps, conv geometry),
                   rnn_plots (gradient over time, gates, learning curves), vae_plots, gan_plots,
                   maintenance_plots
    threads        one_thread(): NumPy's BLAS and torch on one thread (small problems)
    interactive    interactive(render, **grids): the one slider mechanism -- live ipywidgets
                   in a kernel, precomputed pictures + plain HTML on the site
    checks         exercise checkers with German feedback (checks.<topic>)

Conventions: a layer's ``W`` has shape ``(d_out, d_in)`` (lecture W_l ∈ R^{d_l × d_{l−1}}), a batch
is rows (``Z = A @ W.T + b``), randomness only via an explicit ``rng``/``seed`` argument, bad input
raises ``ValueError``/``TypeError`` naming the argument.
"""
__version__ = "0.1.0"
