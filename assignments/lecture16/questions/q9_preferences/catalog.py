"""q9_preferences: log(sigmoid(x)) and log(1 + exp(x)) overflow, sign swaps, sums over pairs
instead of means, the gradients' sign, sigmoid and 1/n, DPO's log-ratios and beta, missing
checks, in-place updates."""
from autograder.verify.catalog.kinds import Bug, Correct, labelled

from .question import ID as Q

PREF = '''
def preference_loss(r_chosen, r_rejected):
    r_chosen = np.asarray(r_chosen, dtype=np.float64)
    r_rejected = np.asarray(r_rejected, dtype=np.float64)
    if len(r_chosen) == 0 or len(r_chosen) != len(r_rejected):
        raise ValueError("expected one reward per pair on each side")
    n = len(r_chosen)
    margin = r_chosen - r_rejected
    {loss}
    {p}
    return loss, {grads}
'''
GOOD_LOSS = "loss = float(np.mean(np.logaddexp(0.0, -margin)))"
GOOD_P = "p = 1.0 / (1.0 + np.exp(margin))"
GOOD_GRADS = "-p / n, p / n"


def pref(loss=GOOD_LOSS, p=GOOD_P, grads=GOOD_GRADS):
    return PREF.replace("{loss}", loss).replace("{p}", p).replace("{grads}", grads)


DPO = '''
def dpo_loss(policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp,
             beta=0.1):
    if not beta > 0:
        raise ValueError(f"expected a positive beta, got {beta}")
    pc, pr = np.asarray(policy_chosen_logp), np.asarray(policy_rejected_logp)
    rc, rr = np.asarray(ref_chosen_logp), np.asarray(ref_rejected_logp)
    {body}
'''


def dpo(body):
    return DPO.replace("{body}", body)


BUGS = [
    Bug("q9-log-sigmoid", Q, "-log(sigmoid(margin)) with sigmoid = 1 / (1 + exp(-x)): log(0) "
        "for margins below about -710", pref(
            loss="loss = float(np.mean(-np.log(1.0 / (1.0 + np.exp(-margin)))))")),
    Bug("q9-log1p-exp", Q, "np.log1p(np.exp(-margin)): exp overflows to inf for margins below "
        "about -710", pref(loss="loss = float(np.mean(np.log1p(np.exp(-margin))))")),
    Bug("q9-sign-swap", Q, "margin = r_rejected - r_chosen: learns to prefer the rejected "
        "response", pref(loss="margin = -margin\n    loss = float(np.mean(np.logaddexp(0.0, "
                              "-margin)))", grads="p / n, -p / n")),
    Bug("q9-sum-over-pairs", Q, "sums the loss (and its gradients) over the pairs instead of "
        "averaging", pref(loss="loss = float(np.sum(np.logaddexp(0.0, -margin)))",
                          grads="-p, p")),
    Bug("q9-loss-of-sigmoid", Q, "the loss is -sigmoid(margin) (a probability, not its log)",
        pref(loss="loss = float(np.mean(-1.0 / (1.0 + np.exp(-margin))))")),
    Bug("q9-grad-sign", Q, "gradients of the opposite sign: d_chosen = +sigmoid(-margin) / n",
        pref(grads="p / n, -p / n")),
    Bug("q9-grad-sigmoid-of-margin", Q, "gradients with sigmoid(margin) instead of "
        "sigmoid(-margin)", pref(p="p = 1.0 / (1.0 + np.exp(-margin))")),
    Bug("q9-grad-no-mean", Q, "gradients of the summed loss: no 1 / n", pref(grads="-p, p")),
    Bug("q9-grad-overflow", Q, "sigmoid(-m) as exp(-m) / (1 + exp(-m)): inf / inf = nan for "
        "margins below about -710", pref(p="p = np.exp(-margin) / (1.0 + np.exp(-margin))")),
    Bug("q9-no-checks", Q, "no ValueError: numpy broadcasts one reward against three, no pairs "
        "give nan", '''
def preference_loss(r_chosen, r_rejected):
    margin = np.asarray(r_chosen, dtype=np.float64) - np.asarray(r_rejected, dtype=np.float64)
    n = margin.size
    p = 1.0 / (1.0 + np.exp(margin))
    return float(np.mean(np.logaddexp(0.0, -margin))), -p / n, p / n
'''),
    Bug("q9-in-place", Q, "subtracts r_rejected from r_chosen in place", '''
def preference_loss(r_chosen, r_rejected):
    if len(r_chosen) == 0 or len(r_chosen) != len(r_rejected):
        raise ValueError("expected one reward per pair on each side")
    n = len(r_chosen)
    margin = r_chosen
    margin -= r_rejected
    p = 1.0 / (1.0 + np.exp(margin))
    return float(np.mean(np.logaddexp(0.0, -margin))), -p / n, p / n
'''),
    Bug("q9-dpo-ratio-swapped", Q, "the reference's log-probabilities minus the policy's",
        dpo("z = beta * ((rc - pc) - (rr - pr))\n    return float(np.mean(np.logaddexp(0.0, "
            "-z)))")),
    Bug("q9-dpo-no-reference", Q, "ignores the reference model: beta * (policy_chosen - "
        "policy_rejected)", dpo("z = beta * (pc - pr)\n    return float(np.mean(np.logaddexp("
                                "0.0, -z)))")),
    Bug("q9-dpo-beta-outside", Q, "multiplies the loss by beta instead of the margin inside the "
        "sigmoid", dpo("z = (pc - rc) - (pr - rr)\n    return float(beta * np.mean("
                       "np.logaddexp(0.0, -z)))")),
    Bug("q9-dpo-log-sigmoid", Q, "-log(sigmoid(z)): log(0) once beta times the log-ratios is "
        "below about -710", dpo("z = beta * ((pc - rc) - (pr - rr))\n    return float(np.mean("
                                "-np.log(1.0 / (1.0 + np.exp(-z)))))")),
    Bug("q9-dpo-no-beta-check", Q, "no ValueError for beta <= 0", '''
def dpo_loss(policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp,
             beta=0.1):
    z = beta * ((np.asarray(policy_chosen_logp) - np.asarray(ref_chosen_logp))
                - (np.asarray(policy_rejected_logp) - np.asarray(ref_rejected_logp)))
    return float(np.mean(np.logaddexp(0.0, -z)))
'''),
    Bug("q9-dpo-in-place", Q, "turns the policy's log-probabilities into log-ratios in place",
        '''
def dpo_loss(policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp,
             beta=0.1):
    if not beta > 0:
        raise ValueError(f"expected a positive beta, got {beta}")
    policy_chosen_logp -= ref_chosen_logp
    policy_rejected_logp -= ref_rejected_logp
    z = beta * (policy_chosen_logp - policy_rejected_logp)
    return float(np.mean(np.logaddexp(0.0, -z)))
'''),
]

BUGS = labelled(BUGS, {
    "q9-log-sigmoid": "stable", "q9-log1p-exp": "stable", "q9-sign-swap": "bradley_terry",
    "q9-sum-over-pairs": "bradley_terry", "q9-loss-of-sigmoid": "bradley_terry",
    "q9-grad-sign": "gradients", "q9-grad-sigmoid-of-margin": "gradients",
    "q9-grad-no-mean": "gradients", "q9-grad-overflow": "stable", "q9-no-checks": "contract",
    "q9-in-place": "contract", "q9-dpo-ratio-swapped": "dpo", "q9-dpo-no-reference": "dpo",
    "q9-dpo-beta-outside": "dpo", "q9-dpo-log-sigmoid": "stable",
    "q9-dpo-no-beta-check": "contract", "q9-dpo-in-place": "contract",
})

# correct, written differently from the reference: must keep full marks
Q9_PIECEWISE = '''
def _softplus(x):
    # log(1 + exp(x)), one branch per sign so that exp never overflows
    return np.where(x > 0, x + np.log1p(np.exp(-np.abs(x))), np.log1p(np.exp(-np.abs(x))))


def preference_loss(r_chosen, r_rejected):
    r_chosen = np.array(r_chosen, dtype=np.float64)
    r_rejected = np.array(r_rejected, dtype=np.float64)
    if r_chosen.shape != r_rejected.shape or r_chosen.size == 0:
        raise ValueError(f"expected two arrays of one shape (n,), got {r_chosen.shape} and "
                         f"{r_rejected.shape}")
    margin = r_chosen - r_rejected
    n = margin.size
    e = np.exp(-np.abs(margin))
    p_wrong = np.where(margin >= 0, e / (1.0 + e), 1.0 / (1.0 + e))  # sigmoid(-margin)
    return float(_softplus(-margin).mean()), -p_wrong / n, p_wrong / n


def dpo_loss(policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp,
             beta=0.1):
    if beta <= 0:
        raise ValueError(f"expected beta > 0, got {beta}")
    chosen_reward = beta * (np.asarray(policy_chosen_logp) - np.asarray(ref_chosen_logp))
    rejected_reward = beta * (np.asarray(policy_rejected_logp) - np.asarray(ref_rejected_logp))
    loss, _, _ = preference_loss(chosen_reward, rejected_reward)
    return loss
'''

CORRECT = [
    Correct("q9-piecewise", "a softplus written per sign, sigmoid from exp(-|m|), and DPO "
            "through preference_loss on the implicit rewards", Q9_PIECEWISE),
]
