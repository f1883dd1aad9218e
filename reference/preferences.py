"""Learning from preferences (RLHF's reward model, and DPO): the Bradley-Terry loss."""
import numpy as np


def _pairs(*arrays):
    """The arguments as 1-D float64 arrays of one length n >= 1."""
    out = [np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays]  # each (n,)
    lengths = [len(a) for a in out]
    if min(lengths) == 0 or len(set(lengths)) != 1:
        raise ValueError(f"expected 1-D arrays of one length n >= 1 (one value per pair), got "
                         f"lengths {lengths}; pass one value per (chosen, rejected) pair")
    return out


def preference_loss(r_chosen, r_rejected):
    """The Bradley-Terry loss of a reward model on ranked pairs, and its gradients.

    Humans ranked two responses to each prompt; the reward model gave them the rewards
    ``r_chosen`` (the preferred one) and ``r_rejected``. Bradley-Terry says the chosen response
    wins with probability ``sigmoid(r_chosen - r_rejected)``; the loss is the mean negative log
    of that probability over the n pairs (Ouyang et al., 2022):

        margin = r_chosen - r_rejected
        loss = mean(-log sigmoid(margin)) = mean(log(1 + exp(-margin)))

    ``exp(-margin)`` overflows for a margin below about -710 and ``log(sigmoid(margin))`` is
    ``log(0)``: compute ``log(1 + exp(-margin))`` as ``np.logaddexp(0, -margin)``, finite for
    any finite margin. Its gradients, with ``sigmoid(-margin) = 1 / (1 + exp(margin))``:

        d loss / d r_chosen = -sigmoid(-margin) / n
        d loss / d r_rejected = +sigmoid(-margin) / n

    Args:
        r_chosen: the rewards of the chosen responses, a 1-D float array of shape (n,).
        r_rejected: the rewards of the rejected responses, shape (n,).

    Returns:
        (loss, d_chosen, d_rejected): the mean loss (a float) and two new arrays of shape (n,).

    Raises:
        ValueError: if the inputs are empty or of different lengths.

    Example: a tie costs log 2 = 0.693; a margin of 2 costs log(1 + e**-2) = 0.127.

        >>> loss, d_c, d_r = preference_loss(np.array([2.0, 0.0]), np.array([0.0, 0.0]))
        >>> round(loss, 4), d_c.round(4), d_r.round(4)
        (0.41, array([-0.0596, -0.25  ]), array([0.0596, 0.25  ]))
    """
    r_chosen, r_rejected = _pairs(r_chosen, r_rejected)  # (n,), (n,)
    n = len(r_chosen)
    margin = r_chosen - r_rejected  # (n,)
    loss = float(np.mean(np.logaddexp(0.0, -margin)))  # -log sigmoid(margin), stable
    p_wrong = np.exp(-np.logaddexp(0.0, margin))  # sigmoid(-margin) = 1 / (1 + e**margin), (n,)
    d_chosen = -p_wrong / n  # (n,)
    d_rejected = p_wrong / n  # (n,)
    return loss, d_chosen, d_rejected


def dpo_loss(policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp,
             beta=0.1):
    """Direct Preference Optimization (Rafailov et al., 2023): Bradley-Terry on log-ratios.

    DPO skips the reward model: the implicit reward of a response is ``beta`` times how much
    more likely the policy makes it than the frozen reference model (the fine-tuned model it
    starts from), ``beta * (log pi(y|x) - log pi_ref(y|x))``. The loss is the Bradley-Terry loss
    on those rewards, averaged over the n pairs:

        z = beta * ((policy_chosen - ref_chosen) - (policy_rejected - ref_rejected))
        loss = mean(-log sigmoid(z)) = mean(logaddexp(0, -z))

    Args:
        policy_chosen_logp, policy_rejected_logp: the policy's log-probabilities of the chosen
            and the rejected responses (each the sum over the response's tokens), shape (n,).
        ref_chosen_logp, ref_rejected_logp: the reference model's, shape (n,).
        beta: how far the policy may move from the reference (positive; 0.1 by default).

    Returns:
        The mean loss, a float.

    Raises:
        ValueError: if ``beta`` is not positive, or the inputs are empty or of different
            lengths.

    Example: a policy equal to its reference gives z = 0 and the loss log 2 = 0.693.

        >>> round(dpo_loss(np.array([-5.0]), np.array([-7.0]), np.array([-5.0]),
        ...                np.array([-7.0])), 4)
        0.6931
    """
    if not beta > 0:
        raise ValueError(f"expected a positive beta, got beta={beta!r}; DPO uses about 0.1")
    pc, pr, rc, rr = _pairs(policy_chosen_logp, policy_rejected_logp, ref_chosen_logp,
                            ref_rejected_logp)  # each (n,)
    z = beta * ((pc - rc) - (pr - rr))  # the implicit reward margin, (n,)
    return float(np.mean(np.logaddexp(0.0, -z)))
