"""torch 2.13 names glasstorch does not have, each group with the reason (reviewed).

``tests/test_registry.py`` fails on a torch op or Tensor method that is neither in
glasstorch nor listed here, and on a name listed here that glasstorch has (or torch
no longer has). Which torch callables count as ops is said there.
"""

REASONS = {
    "sparse": "sparse layouts: glasstorch tensors are dense (strided) only",
    "quantized": "quantized tensors and fake quantization are not implemented",
    "complex": "complex-only views and functions (glasstorch's complex support is the fft family's)",
    "backend": "kernels tied to a particular accelerator or backend library (cuDNN, MIOpen, MKL-DNN, NNPACK, XNNPACK, Vulkan, MPS, CUDA)",
    "dtype": "bfloat16 has no NumPy dtype",
    "storage": "storage, memory-format, sharing and serialization internals",
    "runtime": "JIT, autocast, anomaly and threading internals, Python-callable maps and legacy constructors: no tensor semantics to port",
    "kernels": "torch's internal fused kernels (native_*, *_cell, batch_norm_* statistics); glasstorch's nn modules and nn.functional cover the public forms",
    "functional": "neural-network kernels torch also puts at its top level; glasstorch has them in nn.functional only",
    "inplace": "top-level in-place functions (torch.abs_): the in-place Tensor method is the supported form",
    "copy": "the *_copy variants of view ops (for functionalization); the view op itself is supported",
    "pointwise": "elementwise functions not implemented yet (or, like addcmul, only as Tensor methods)",
    "statistics": "reductions, statistics and searching not implemented yet",
    "shape": "shape, indexing and construction functions not implemented yet",
    "linalg": "decompositions and solvers beyond det/inverse/slogdet/pinverse not implemented yet; the torch.* spellings of torch.linalg functions",
    "signal": "window functions and short-time Fourier transforms not implemented yet",
    "random": "distributions beyond uniform/normal/bernoulli/multinomial/poisson/exponential not implemented yet",
}

# ``torch.<name>`` ops
FUNCTIONS = {
    "sparse": """
        dsmm hsmm hspmm resize_as_sparse_ saddmm smm sparse_bsc_tensor sparse_bsr_tensor
        sparse_compressed_tensor sparse_coo_tensor sparse_csc_tensor sparse_csr_tensor spmm sspaddmm
    """.split(),
    "quantized": """
        choose_qparams_optimized dequantize empty_quantized fake_quantize_per_channel_affine
        fake_quantize_per_tensor_affine fbgemm_linear_fp16_weight fbgemm_linear_fp16_weight_fp32_activation
        fbgemm_linear_int8_weight fbgemm_linear_int8_weight_fp32_activation fbgemm_linear_quantize_weight
        fbgemm_pack_gemm_matrix_fp16 fbgemm_pack_quantized_matrix fused_moving_avg_obs_fake_quant int_repr
        q_per_channel_axis q_per_channel_scales q_per_channel_zero_points q_scale q_zero_point
        quantize_per_channel quantize_per_tensor quantize_per_tensor_dynamic quantized_batch_norm
        quantized_gru_cell quantized_lstm_cell quantized_max_pool1d quantized_max_pool2d
        quantized_max_pool3d quantized_rnn_relu_cell quantized_rnn_tanh_cell
    """.split(),
    "complex": """
        conj_physical conj_physical_ is_conj is_neg isreal polar resolve_conj resolve_neg sgn
        view_as_complex_copy view_as_real_copy
    """.split(),
    "backend": """
        cudnn_affine_grid_generator cudnn_batch_norm cudnn_convolution cudnn_convolution_add_relu
        cudnn_convolution_relu cudnn_convolution_transpose cudnn_grid_sampler cudnn_is_acceptable
        get_autocast_ipu_dtype is_autocast_ipu_enabled is_vulkan_available miopen_batch_norm
        miopen_convolution miopen_convolution_add_relu miopen_convolution_relu miopen_convolution_transpose
        miopen_ctc_loss miopen_depthwise_convolution miopen_rnn mkldnn_adaptive_avg_pool2d
        mkldnn_convolution mkldnn_linear_backward_weights mkldnn_max_pool2d mkldnn_max_pool3d
        mkldnn_rnn_layer set_autocast_ipu_dtype set_autocast_ipu_enabled
    """.split(),
    "storage": """
        as_strided as_strided_scatter empty_strided is_inference is_nonzero is_same_size resize_as_
        set_anomaly_enabled set_autocast_cache_enabled set_autocast_cpu_dtype set_autocast_cpu_enabled
        set_autocast_dtype set_autocast_enabled set_autocast_gpu_dtype set_autocast_xla_dtype
        set_autocast_xla_enabled set_flush_denormal set_num_interop_threads
    """.split(),
    "runtime": """
        autocast_decrement_nesting autocast_increment_nesting clear_autocast_cache fork from_file frombuffer
        get_autocast_cpu_dtype get_autocast_dtype get_autocast_gpu_dtype get_autocast_xla_dtype
        get_num_interop_threads hash_tensor import_ir_module import_ir_module_from_buffer init_num_threads
        is_anomaly_check_nan_enabled is_anomaly_enabled is_autocast_cache_enabled is_autocast_cpu_enabled
        is_autocast_xla_enabled is_distributed merge_type_from_type_comment parse_ir parse_schema
        parse_type_comment sym_constrain_range sym_constrain_range_for_size unify_type_list wait
    """.split(),
    "kernels": """
        affine_grid_generator batch_norm_backward_elemt batch_norm_backward_reduce batch_norm_elemt
        batch_norm_gather_stats batch_norm_gather_stats_with_counts batch_norm_stats batch_norm_update_stats
        channel_shuffle constant_pad_nd conv_tbc convolution ctc_loss embedding_renorm_ feature_dropout
        frobenius_norm grid_sampler grid_sampler_2d grid_sampler_3d gru gru_cell lstm lstm_cell
        native_batch_norm native_channel_shuffle native_dropout native_group_norm native_layer_norm
        native_norm norm_except_dim nuclear_norm rnn_relu rnn_relu_cell rnn_tanh rnn_tanh_cell
        segment_reduce slice_inverse split_with_sizes unsafe_chunk unsafe_split unsafe_split_with_sizes
    """.split(),
    "functional": """
        adaptive_avg_pool1d adaptive_max_pool1d alpha_dropout alpha_dropout_ avg_pool1d batch_norm bilinear
        binary_cross_entropy_with_logits celu celu_ conv1d conv2d conv3d conv_transpose1d conv_transpose2d
        conv_transpose3d cosine_embedding_loss cosine_similarity dropout dropout_ embedding embedding_bag
        feature_alpha_dropout feature_alpha_dropout_ group_norm hardshrink hinge_embedding_loss
        instance_norm kl_div layer_norm margin_ranking_loss max_pool1d max_pool1d_with_indices max_pool2d
        max_pool3d pairwise_distance pdist pixel_shuffle pixel_unshuffle poisson_nll_loss prelu relu_
        rms_norm rrelu rrelu_ selu selu_ sigmoid_ tanh_ threshold threshold_ triplet_margin_loss
    """.split(),
    "inplace": """
        abs_ acos_ acosh_ addmv_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ as_strided_ asin_ asinh_
        atan_ atanh_ ceil_ clamp_ clamp_max_ clamp_min_ clip_ cos_ cosh_ deg2rad_ detach_ erf_ erfc_ exp2_
        exp_ expm1_ feature_dropout_ fill_ fix_ floor_ frac_ gcd_ i0_ lcm_ ldexp_ log10_ log1p_ log2_ log_
        logit_ nan_to_num_ neg_ negative_ rad2deg_ reciprocal_ round_ rsqrt_ sin_ sinc_ sinh_ sqrt_ square_
        tan_ trunc_ xlogy_
    """.split(),
    "copy": """
        alias_copy as_strided_copy ccol_indices_copy col_indices_copy crow_indices_copy detach_copy
        diagonal_copy expand_copy index_copy indices_copy narrow_copy permute_copy row_indices_copy
        select_copy slice_copy split_copy split_with_sizes_copy squeeze_copy t_copy transpose_copy
        unbind_copy unfold_copy unsqueeze_copy values_copy view_copy
    """.split(),
    "pointwise": """
        acosh addcdiv addcmul arccosh arcsinh arctanh asinh atanh bitwise_left_shift bitwise_right_shift
        copysign deg2rad detach fill frexp gcd get_device heaviside hypot igamma igammac is_complex
        is_signed lcm ldexp logaddexp logaddexp2 nextafter positive rad2deg signbit zero_
    """.split(),
    "statistics": """
        bincount bucketize corrcoef cov cumulative_trapezoid diff dist gradient histc histogram histogramdd
        isin logcumsumexp mode msort nanmedian nanquantile quantile renorm searchsorted trace trapezoid
        trapz unique unique_consecutive
    """.split(),
    "shape": """
        block_diag cartesian_prod combinations diagflat diagonal_scatter dsplit empty_permuted hsplit
        index_fill index_reduce kron meshgrid nonzero_static put ravel scatter_reduce select_scatter
        slice_scatter tril_indices triu_indices unravel_index vander vsplit
    """.split(),
    "linalg": """
        addbmm addmv addr chain_matmul cholesky cholesky_inverse cholesky_solve cross eig geqrf lobpcg lstsq
        lu lu_solve lu_unpack matrix_exp matrix_rank orgqr ormqr pca_lowrank qr solve svd svd_lowrank symeig
        triangular_solve
    """.split(),
    "signal": """
        bartlett_window blackman_window hamming_window hann_window istft kaiser_window stft
    """.split(),
    "random": """
        binomial
    """.split(),
}

# ``torch.Tensor.<name>`` methods
METHODS = {
    "sparse": """
        ccol_indices coalesce col_indices crow_indices dense_dim indices is_coalesced resize_as_sparse_
        row_indices smm sparse_dim sparse_mask sparse_resize_ sparse_resize_and_clear_ sspaddmm to_dense
        to_mkldnn to_sparse to_sparse_bsc to_sparse_bsr to_sparse_coo to_sparse_csc to_sparse_csr values
    """.split(),
    "quantized": """
        dequantize int_repr q_per_channel_axis q_per_channel_scales q_per_channel_zero_points q_scale
        q_zero_point qscheme
    """.split(),
    "complex": """
        cdouble cfloat chalf conj_physical conj_physical_ is_neg isreal resolve_neg sgn sgn_
    """.split(),
    "backend": """
        ipu mtia xpu
    """.split(),
    "dtype": """
        bfloat16
    """.split(),
    "storage": """
        as_strided as_strided_scatter const_data_ptr dim_order is_inference is_nonzero is_same_size
        is_set_to is_shared module_load new_empty_strided record_stream resize resize_ resize_as resize_as_
        set_ storage storage_offset storage_type to_padded_tensor untyped_storage
    """.split(),
    "runtime": """
        as_subclass hash_tensor index is_distributed map2_ map_ new reinforce
    """.split(),
    "kernels": """
        slice_inverse split_with_sizes unsafe_chunk unsafe_split unsafe_split_with_sizes
    """.split(),
    "functional": """
        hardshrink prelu
    """.split(),
    "inplace": """
        acosh_ addbmm_ addmv_ addr_ arccosh_ arcsinh_ arctanh_ as_strided_ asinh_ atanh_ bitwise_left_shift_
        bitwise_right_shift_ copysign_ cumprod_ cumsum_ deg2rad_ digamma_ erfc_ erfinv_ gcd_ heaviside_
        hypot_ i0_ igamma_ igammac_ index_copy_ index_fill_ index_reduce_ lcm_ ldexp_ lgamma_ logit_
        masked_scatter_ mvlgamma_ nextafter_ polygamma_ put_ rad2deg_ renorm_ scatter_reduce_ sinc_ squeeze_
        swapaxes_ swapdims_ t_ transpose_ unsqueeze_ xlogy_
    """.split(),
    "copy": """
        index_copy narrow_copy
    """.split(),
    "pointwise": """
        acosh arccosh arcsinh arctanh asinh atanh bitwise_left_shift bitwise_right_shift copysign deg2rad
        frexp gcd heaviside hypot igamma igammac is_signed lcm ldexp logaddexp logaddexp2 nextafter positive
        rad2deg signbit
    """.split(),
    "statistics": """
        bincount corrcoef cov diff dist histc histogram logcumsumexp mode msort nanmedian nanquantile
        quantile renorm trace unique unique_consecutive
    """.split(),
    "shape": """
        diagflat diagonal_scatter dsplit fill_diagonal_ hsplit index_fill index_reduce kron nonzero_static
        put ravel scatter_reduce select_scatter slice_scatter vsplit
    """.split(),
    "linalg": """
        addbmm addmv addr cholesky cholesky_inverse cholesky_solve cross eig geqrf lstsq lu lu_solve
        matrix_exp orgqr ormqr qr solve svd symeig triangular_solve
    """.split(),
    "signal": """
        istft stft
    """.split(),
    "random": """
        cauchy_ geometric_ log_normal_
    """.split(),
}
