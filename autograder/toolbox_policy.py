"""Which toolbox names a graded answer cell must not use: the answers.

Learners may call the toolbox (``recsys_lib``) from graded cells - module 02's Exercise 4 is even
told to use ``recsys_lib.models.log_loss_gradient`` - but not the reference implementation that
answers the exercise they are in: ``recsys_lib.losses.sigmoid`` in module 02's sigmoid cell is
the answer itself. ``autograder.toolbox_use`` finds such uses statically; ``recsys-course grade``
marks the notebook ``flagged`` ("possible tampering: ... uses the toolbox's answer ...") and
``recsys-course check`` prints a warning line. A flag is a reason to look, not a verdict.

The table
---------
``POLICY[module]`` is a dict literal per module: graded code cell ``grade_id`` -> the dotted names
that cell must not use, and the key ``"*"`` (:data:`MODULE_WIDE`) for names no graded cell of the
module may use. Add a module by adding its dict; the coordinator fills 05-09 as they are written::

    M05 = {
        "*": ("recsys_lib.models.LinearSVMPegasos",),          # the module's answer, every cell
        "m05_hinge_loss_code": ("recsys_lib.losses.hinge_loss",),
    }
    POLICY["05_svm"] = M05

Names are written as a learner imports them (``recsys_lib.models.ItemKNNRecommender``). A toolbox
name (``recsys_lib.*``) matches every path that ends in the same name inside ``recsys_lib``: the
toolbox re-exports (``recsys_lib.models.sigmoid`` *is* ``recsys_lib.losses.sigmoid``) and files
move, the name stays. Names outside the toolbox (``scipy.special.expit``) match exactly.

Rules that hold for every module (no table entry needed; see ``autograder.toolbox_use``):

* a graded cell never uses the grader (``autograder.*``: the checks bind the reference answers to
  private names, e.g. ``autograder.exercises.m02_logistic_regression._ref_sigmoid``);
* a graded cell never uses a private toolbox helper (a ``recsys_lib`` path with a component that
  starts with ``_``, e.g. ``recsys_lib.models._cosine_neighbours._topn_cosine``).

``tests/test_toolbox_policy.py`` checks that every ``grade_id`` here is a graded code cell of its
module's source notebook and that every toolbox name resolves, so a renamed cell or function cannot
silently switch a rule off.
"""
from __future__ import annotations

#: the key of a module's dict that lists names forbidden in every graded cell of the module
MODULE_WIDE = "*"

# --------------------------------------------------------------------------------------------
# 00 shop_data: the funnel metrics and the temporal split are this module's answers.
M00 = {
    "m00_funnel_counts_code": ("recsys_lib.metrics.funnel_counts",),
    "m00_funnel_rates_code": ("recsys_lib.metrics.funnel_rates",),
    "m00_rates_by_category_code": ("recsys_lib.metrics.rates_by_category",),
    "m00_engagement_code": ("recsys_lib.metrics.engagement",),
    "m00_temporal_split_code": ("recsys_lib.splitting.temporal_split",
                                "recsys_lib.splitting.last_days_cutoff"),
    "m00_cold_start_rates_code": ("recsys_lib.metrics.cold_start_rates",),
}

# 01 linear_regression: LinearRegressionGD predicts, runs gradient descent, picks 1/lambda_max and
# solves the normal equation - the answer to every exercise of the module.
M01 = {
    MODULE_WIDE: ("recsys_lib.models.LinearRegressionGD",),
    "m01_predict_code": ("recsys_lib.losses.linear_predict",),
    "m01_mse_loss_code": ("recsys_lib.losses.mse_loss",),
    "m01_mse_gradient_code": ("recsys_lib.losses.mse_gradient",),
}

# 02 logistic_regression. Exercise 4 (sgd_fit) is told to use log_loss_gradient: it is forbidden
# only in Exercise 3's cell, whose answer it is. exp(log_sigmoid(z)) and exp(-softplus(-z)) are a
# stable sigmoid; softplus and log_sigmoid are also the stable cross-entropy's two halves.
M02 = {
    MODULE_WIDE: ("recsys_lib.models.LogisticRegressionGD",),
    "m02_sigmoid_code": ("recsys_lib.losses.sigmoid", "recsys_lib.losses.log_sigmoid",
                         "recsys_lib.losses.softplus"),
    "m02_binary_cross_entropy_code": ("recsys_lib.losses.binary_cross_entropy",
                                      "recsys_lib.losses.logistic_loss",
                                      "recsys_lib.losses.softplus", "recsys_lib.losses.log_sigmoid",
                                      "recsys_lib.metrics.log_loss"),
    "m02_logistic_gradient_code": ("recsys_lib.losses.log_loss_gradient",),
    "m02_classification_metrics_code": ("recsys_lib.metrics.accuracy", "recsys_lib.metrics.precision",
                                        "recsys_lib.metrics.recall", "recsys_lib.metrics.f1_score",
                                        "recsys_lib.metrics.confusion_counts"),
    "m02_roc_auc_code": ("recsys_lib.metrics.roc_auc", "recsys_lib.metrics.roc_curve_points"),
    "m02_choose_threshold_code": ("recsys_lib.metrics.best_threshold",),
}

# 03 feature_engineering: every function of recsys_lib.features' behaviour and encoding files is
# one of this module's eight answers (point_in_time_join answers rfm_features at one time,
# split_category is half of category_one_hot), so none may be used in any of its graded cells.
# Later exercises may call the learner's own earlier functions.
M03 = {
    MODULE_WIDE: ("recsys_lib.features.behaviour_sequences", "recsys_lib.features.behaviour_heat",
                  "recsys_lib.features.rfm_features", "recsys_lib.features.point_in_time_join",
                  "recsys_lib.features.cyclic_time_features", "recsys_lib.features.price_buckets",
                  "recsys_lib.features.category_one_hot", "recsys_lib.features.split_category",
                  "recsys_lib.features.hashing_trick"),
}

# 04 knn_collaborative_filtering: the recommenders and top_k (top-K with ties by index and -1
# padding, how the checks compute the expected rankings) answer the recommend exercises; the
# ranking metrics (and ranking_report, which returns all five) answer the last one.
M04 = {
    MODULE_WIDE: ("recsys_lib.models.PopularityRecommender", "recsys_lib.models.ItemKNNRecommender",
                  "recsys_lib.models.UserKNNRecommender", "recsys_lib.models.top_k"),
    "m04_interaction_matrix_code": ("recsys_lib.features.interaction_matrix",),
    "m04_ranking_metrics_code": ("recsys_lib.metrics.hit_rate_at_k", "recsys_lib.metrics.precision_at_k",
                                 "recsys_lib.metrics.recall_at_k", "recsys_lib.metrics.ndcg_at_k",
                                 "recsys_lib.metrics.mrr", "recsys_lib.evaluation.ranking_report"),
}

# 05 svm: LinearSVMPegasos, the functions of models/svm.py and recsys_lib.kernels are the answers,
# in every graded cell (the notebook's "How this notebook works" says so); scikit-learn's linear SVMs
# and pairwise kernels/distances would answer Exercises 1-4 too. Exercise 3 is told to use the
# toolbox's hinge_subgradient, so that one is forbidden in every graded cell but Exercise 3's.
_M05_SUBGRADIENT = ("recsys_lib.models.svm.hinge_subgradient",)
M05 = {
    MODULE_WIDE: ("recsys_lib.models.LinearSVMPegasos", "recsys_lib.models.svm.hinge_loss",
                  "recsys_lib.models.svm.svm_objective", "recsys_lib.models.svm.pegasos_objective",
                  "recsys_lib.models.svm.margin_geometry", "recsys_lib.kernels.rbf_kernel",
                  "recsys_lib.kernels.squared_euclidean_distances", "sklearn.svm.LinearSVC",
                  "sklearn.linear_model.SGDClassifier", "sklearn.metrics.pairwise.rbf_kernel",
                  "sklearn.metrics.pairwise.euclidean_distances"),
    "m05_svm_objective_code": _M05_SUBGRADIENT,
    "m05_hinge_subgradient_code": _M05_SUBGRADIENT,
    "m05_rbf_kernel_code": _M05_SUBGRADIENT + ("sklearn.metrics.pairwise.pairwise_kernels",
                                               "sklearn.metrics.pairwise.pairwise_distances",
                                               "scipy.spatial.distance.cdist"),
    "m05_svc_grid_search_code": _M05_SUBGRADIENT,
    "m05_margin_geometry_code": _M05_SUBGRADIENT,
}

# 06 neural_networks_backprop: recsys_lib.nn and the softmax losses are the answers, exercise by
# exercise; later exercises are told to build on earlier toolbox pieces (Exercise 4 on dense_forward /
# dense_backward, Exercise 6 on mlp_loss_and_gradients and adam_step), so those are forbidden only in
# the cell they answer.
M06 = {
    MODULE_WIDE: ("recsys_lib.models.MLPClassifierNumpy",),
    "m06_activations_code": ("recsys_lib.nn.relu", "recsys_lib.nn.relu_grad", "recsys_lib.nn.sigmoid_grad",
                             "recsys_lib.nn.tanh_grad", "recsys_lib.nn.ACTIVATIONS"),
    "m06_softmax_cross_entropy_code": ("recsys_lib.losses.softmax", "recsys_lib.losses.log_softmax",
                                       "recsys_lib.losses.logsumexp", "recsys_lib.losses.softmax_cross_entropy",
                                       "recsys_lib.losses.softmax_cross_entropy_gradient", "scipy.special.softmax",
                                       "scipy.special.log_softmax", "scipy.special.logsumexp"),
    "m06_dense_layer_code": ("recsys_lib.nn.dense_forward", "recsys_lib.nn.dense_backward"),
    "m06_backprop_code": ("recsys_lib.nn.mlp_forward", "recsys_lib.nn.mlp_loss",
                          "recsys_lib.nn.mlp_loss_and_gradients", "recsys_lib.nn.mlp_predict_proba"),
    "m06_optimizers_code": ("recsys_lib.nn.sgd_step", "recsys_lib.nn.momentum_step", "recsys_lib.nn.adam_step",
                            "recsys_lib.nn.SGD", "recsys_lib.nn.Momentum", "recsys_lib.nn.Adam",
                            "recsys_lib.nn.make_optimizer"),
    "m06_train_mlp_code": ("recsys_lib.nn.train_mlp", "recsys_lib.nn.Adam", "recsys_lib.nn.SGD",
                           "recsys_lib.nn.Momentum", "recsys_lib.nn.make_optimizer"),
    "m06_keras_mlp_code": ("recsys_lib.keras_utils.build_mlp", "recsys_lib.keras_utils.set_mlp_weights"),
}

# 07 embeddings_matrix_factorization: BPR-MF, its loss/gradients/epoch (and the per-sample reference),
# the embedding helpers and the negative samplers (with their membership test) are the answers;
# scikit-learn's Ridge / NearestNeighbors / cosine similarity / row normalisation would answer the
# cold-start and nearest-item exercises. The notebook's "How this notebook works" lists every name.
M07 = {
    MODULE_WIDE: ("recsys_lib.models.BPRMatrixFactorization", "recsys_lib.models.factorization.bpr_loss",
                  "recsys_lib.models.factorization.bpr_gradients", "recsys_lib.models.factorization.bpr_sgd_epoch",
                  "recsys_lib.models.factorization.bpr_sgd_reference",
                  "recsys_lib.embeddings.one_hot", "recsys_lib.embeddings.embedding_lookup",
                  "recsys_lib.embeddings.lookup_gradient", "recsys_lib.embeddings.scatter_add_rows",
                  "recsys_lib.embeddings.normalize_rows", "recsys_lib.embeddings.nearest_neighbours",
                  "recsys_lib.embeddings.fit_ridge_map", "recsys_lib.embeddings.predict_ridge_map",
                  "recsys_lib.embeddings.cold_start_embeddings", "recsys_lib.sampling.sample_negatives",
                  "recsys_lib.sampling.NegativeSampler", "recsys_lib.sampling.uniform_negatives",
                  "recsys_lib.sampling.popularity_negatives", "recsys_lib.sampling.negative_probabilities",
                  "recsys_lib.sampling.positive_keys", "recsys_lib.sampling.is_positive",
                  "sklearn.linear_model.Ridge", "sklearn.neighbors.NearestNeighbors",
                  "sklearn.metrics.pairwise.cosine_similarity", "sklearn.metrics.pairwise.cosine_distances",
                  "sklearn.preprocessing.normalize"),
}

# 08 embedding_lstm_recommender: recsys_lib.sequences and the two sequence recommenders hold the
# answers (the vocabulary, padding, windows, Markov scores, full-catalogue metrics, the Keras model and
# its early-stopping fit, the transition kinds); module 03's pad_sequences and top_k stay allowed.
M08 = {
    MODULE_WIDE: ("recsys_lib.models.SequenceRecommender", "recsys_lib.models.MarkovChainRecommender"),
    "m08_build_vocabulary_code": ("recsys_lib.sequences.Vocabulary", "recsys_lib.sequences.vocabulary_order"),
    "m08_encode_and_pad_code": ("recsys_lib.sequences.Vocabulary", "recsys_lib.sequences.left_pad",
                                "recsys_lib.sequences.padding_mask"),
    "m08_history_windows_code": ("recsys_lib.sequences.window_bounds", "recsys_lib.sequences.history_windows",
                                 "recsys_lib.sequences.windows_before_steps"),
    "m08_markov_scores_code": ("recsys_lib.sequences.transition_counts", "recsys_lib.sequences.markov_scores"),
    "m08_full_catalogue_metrics_code": ("recsys_lib.sequences.target_ranks",
                                        "recsys_lib.sequences.full_catalogue_metrics"),
    "m08_lstm_model_code": ("recsys_lib.sequences.keras_models.build_sequence_model",),
    "m08_early_stopping_code": ("recsys_lib.sequences.keras_models.fit_with_early_stopping",),
    "m08_transition_kind_code": ("recsys_lib.sequences.transition_kind",),
}

# 09 from_model_to_product: the A/B statistics, the beyond-accuracy metrics, MMR, two-model uplift,
# the HTTP handler, int8 quantisation and the PSI of the toolbox are the answers, cell by cell.
M09 = {
    "m09_two_proportion_test_code": ("recsys_lib.metrics.two_proportion_ztest", "recsys_lib.metrics.lift_table"),
    "m09_sample_size_code": ("recsys_lib.metrics.sample_size_per_arm", "recsys_lib.metrics.power_two_proportions"),
    "m09_beyond_accuracy_code": ("recsys_lib.metrics.beyond_accuracy_report", "recsys_lib.metrics.catalogue_coverage",
                                 "recsys_lib.metrics.intra_list_diversity", "recsys_lib.metrics.novelty",
                                 "recsys_lib.metrics.head_share", "recsys_lib.metrics.head_items"),
    "m09_mmr_code": ("recsys_lib.reranking.mmr_rerank",),
    "m09_two_model_uplift_code": ("recsys_lib.uplift.TwoModelUplift",),
    "m09_make_handler_code": ("recsys_lib.serving.make_recommend_handler",),
    "m09_quantize_int8_code": ("recsys_lib.compression.quantize_int8", "recsys_lib.compression.dequantize_int8"),
    "m09_psi_code": ("recsys_lib.monitoring.psi", "recsys_lib.monitoring.psi_from_shares",
                     "recsys_lib.monitoring.psi_categorical", "recsys_lib.monitoring.drift_table"),
}

#: module folder name -> {graded code cell grade_id or "*": forbidden dotted names}
POLICY: dict[str, dict[str, tuple[str, ...]]] = {
    "00_shop_data": M00,
    "01_linear_regression": M01,
    "02_logistic_regression": M02,
    "03_feature_engineering": M03,
    "04_knn_collaborative_filtering": M04,
    "05_svm": M05,
    "06_neural_networks_backprop": M06,
    "07_embeddings_matrix_factorization": M07,
    "08_embedding_lstm_recommender": M08,
    "09_from_model_to_product": M09,
}

TOOLBOX = "recsys_lib"
GRADER = "autograder"


def forbidden_names(module: str, grade_id: str) -> tuple[str, ...]:
    """The dotted names the graded cell ``grade_id`` of ``module`` must not use (module-wide
    names first, no duplicates); empty for a module or cell without rules."""
    table = POLICY.get(module, {})
    names = list(table.get(MODULE_WIDE, ())) + list(table.get(grade_id, ()))
    return tuple(dict.fromkeys(names))


def is_toolbox(name: str) -> bool:
    return name == TOOLBOX or name.startswith(TOOLBOX + ".")


def matches(used: str, forbidden: str) -> bool:
    """Does the dotted path ``used`` (what a cell references) name the forbidden ``forbidden``?

    Toolbox names match by their last component anywhere inside ``recsys_lib`` (re-exports and
    moved files); other names match exactly or as a prefix (``scipy.special.expit`` is matched by
    ``scipy.special.expit.__call__``)."""
    if is_toolbox(forbidden) and is_toolbox(used):
        return used.rsplit(".", 1)[-1] == forbidden.rsplit(".", 1)[-1] and "." in used
    return used == forbidden or used.startswith(forbidden + ".")


def markdown_summary(module: str) -> str:
    """The rules of ``module`` as Markdown bullets, for a notebook's "How this notebook works"
    cell (``- `m02_sigmoid_code`: not `recsys_lib.losses.sigmoid`, ...``)."""
    table = POLICY.get(module, {})
    lines = []
    if table.get(MODULE_WIDE):
        lines.append("- every graded cell: not " + ", ".join(f"`{n}`" for n in table[MODULE_WIDE]))
    for grade_id, names in table.items():
        if grade_id != MODULE_WIDE and names:
            lines.append(f"- `{grade_id}`: not " + ", ".join(f"`{n}`" for n in names))
    lines.append("- no graded cell uses `autograder` or a private toolbox helper (a name starting with `_`)")
    return "\n".join(lines)
