"""The worker's torch side (a worker script like ``worker.py``, beside it in the scratch folder):
tensors to and from the wire format, and the torch track's ban on built-ins, watched by torch's
own function and dispatch modes. torch is imported only when the submission did."""
import os
import sys

import wire


def torch_module():
    return sys.modules.get("torch")


def tensor_or_none(value):
    torch = torch_module()
    if torch is None or not isinstance(value, torch.Tensor):
        return None
    t = value.detach()
    if t.dtype in (torch.bfloat16, torch.float16):
        t = t.float()
    array = wire._array(t.cpu().numpy())
    return {"__tensor__": [array, str(value.device), str(value.dtype), bool(value.requires_grad)]}


def torch_arg(array, requires_grad, device):
    import torch

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    t = torch.from_numpy(array).to(device)
    return t.requires_grad_(True) if requires_grad else t


# ----------------------------------------------------------------------------- the torch ban
BANNED_FUNCTIONS = {  # torch-level names (a TorchFunctionMode sees them, however reached)
    "cross_entropy": "torch.nn.functional.cross_entropy",
    "nll_loss": "torch.nn.functional.nll_loss",
    "cross_entropy_loss": "torch.nn.functional.cross_entropy",
    "nll_loss_nd": "torch.nn.functional.nll_loss",
    "nll_loss2d": "torch.nn.functional.nll_loss",
    "scaled_dot_product_attention": "torch.nn.functional.scaled_dot_product_attention",
    "clip_grad_norm_": "torch.nn.utils.clip_grad_norm_",
    "clip_grad_norm": "torch.nn.utils.clip_grad_norm_",
}
BANNED_OPS = {  # aten operators (a TorchDispatchMode sees them below any Python alias)
    "nll_loss": "torch.nn.functional.cross_entropy or nll_loss (nn.CrossEntropyLoss)",
    "cross_entropy": "torch.nn.functional.cross_entropy",
    "scaled_dot_product": "torch.nn.functional.scaled_dot_product_attention",
    "_safe_softmax": "torch.nn.functional.scaled_dot_product_attention",
    "_fused_adam": "torch.optim", "_fused_sgd": "torch.optim",
}
BANNED_FILES = (("/torch/optim/", "torch.optim"),
                ("/torch/nn/utils/clip_grad.py", "torch.nn.utils.clip_grad_norm_"),
                ("/torch/nn/modules/loss.py", "torch.nn.CrossEntropyLoss / NLLLoss"))
_ban_classes = None


def ban_watch():
    """A context manager recording the banned built-ins called inside it (``.hits``)."""
    global _ban_classes
    if _ban_classes is None:
        from torch.overrides import TorchFunctionMode
        from torch.utils._python_dispatch import TorchDispatchMode

        def from_stack():
            frame = sys._getframe(2)
            while frame is not None:
                path = frame.f_code.co_filename.replace(os.sep, "/")
                for part, builtin in BANNED_FILES:
                    if part in path:
                        return builtin
                frame = frame.f_back
            return None

        class Functions(TorchFunctionMode):
            def __init__(self, hits):
                super().__init__()
                self.hits = hits

            def __torch_function__(self, func, types, args=(), kwargs=None):
                name = getattr(func, "__name__", "")
                if name in BANNED_FUNCTIONS:
                    self.hits.append(BANNED_FUNCTIONS[name])
                return func(*args, **(kwargs or {}))

        class Operators(TorchDispatchMode):
            def __init__(self, hits):
                super().__init__()
                self.hits = hits

            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                name = str(func)
                hit = next((b for op, b in BANNED_OPS.items() if op in name), None) or from_stack()
                if hit:
                    self.hits.append(hit)
                return func(*args, **(kwargs or {}))

        _ban_classes = (Functions, Operators)
    return _BanWatch(*_ban_classes)


class _BanWatch:
    def __init__(self, functions, operators):
        self.hits = []
        self.modes = [operators(self.hits), functions(self.hits)]

    def __enter__(self):
        for mode in self.modes:
            mode.__enter__()
        return self

    def __exit__(self, *exc):
        for mode in reversed(self.modes):
            mode.__exit__(None, None, None)
        return False
