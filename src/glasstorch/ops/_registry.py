"""Every op of glasstorch, declared once.

One line per op in ``TABLE`` below. From it ``glasstorch.ops`` takes its
functions (and so ``glasstorch``), ``Tensor`` its op methods and in-place
methods (``_methods.py``), and the tests their tables (``tests/test_registry.py``
runs every op with a domain against torch; ``tests/fuzz/specs.py`` draws them).
The table is parsed once at import (well under a millisecond); nothing here runs
when an op is called.

A section header ``[ops.pointwise -> glasstorch.ops]`` names the module the
functions live in (relative to ``glasstorch``; ``linalg:TOP_LEVEL`` is the dict
``TOP_LEVEL`` of ``glasstorch.linalg``) and the namespace that exports them.
Only ``glasstorch.ops`` sections are built here; the others (``-> glasstorch``)
are installed by their own module and only declared, so the tests hold them to
the same columns.

Columns of an op line::

    name      the public name (also the attribute of the module)
    Function  the autograd Function class it records, from its own module, or
              ``family.Class`` from ``glasstorch.ops.family``; ``-`` if it records
              none of its own (composed of other ops)
    flags     m  ``Tensor.name`` is the function itself
              v  ``Tensor.name`` takes a shape as varargs (``x.view(2, 3)``)
              c  ``Tensor.name`` is written by hand (in ``_methods.py`` or the module)
              i  ``Tensor.name_`` works in place
              o  takes ``out=``
              2  twice differentiable (``create_graph=True`` records the backward)
    node      torch's name for its backward node (``grad_fn.name()``) on the plain
              call (overloads such as ``sum(x, dim)`` may record another), ``-`` if none
    domain    where its tests draw each tensor operand, comma-separated
              (real, pos, unit, away0, frac, wide, grid, special): the op is then run
              as ``glasstorch.name(*tensors)`` against torch. ``-``: no such plain
              call; a test table calls it with its own arguments
    dtypes    the input dtypes torch accepts: f float, i integer, b bool (``-``: not
              recorded)

Adding an op: write it (forward and backward side by side) in its family module,
then add its line here, in its family's section. That makes it
``glasstorch.ops.name``, ``glasstorch.name``, ``Tensor.name`` and ``Tensor.name_``
as the flags say, and puts it in the test tables: with a domain it is tested
against torch from this line alone; without one, ``tests/test_registry.py`` asks
for a case in a test table.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

TABLE = """
[ops.creation -> glasstorch.ops]
# name               Function           flags  node                        domain         dtypes
arange               -                  o      -                           -              -
as_tensor            -                  2      ToCopyBackward0             -              fib
asarray              -                  -      -                           -              -
complex_unsupported  -                  -      -                           -              -
empty                -                  o      -                           -              -
empty_like           -                  -      -                           -              -
eye                  -                  o      -                           -              -
from_numpy           -                  -      -                           -              -
full                 -                  o      -                           -              -
full_like            -                  -      -                           -              -
linspace             -                  o      -                           -              -
logspace             -                  -      -                           -              -
ones                 -                  o      -                           -              -
ones_like            -                  -      -                           real           fib
range                -                  -      -                           -              -
scalar_tensor        -                  -      -                           -              -
tensor               -                  -      -                           -              -
zeros                -                  o      -                           -              -
zeros_like           -                  -      -                           real           fib

[ops.indexing -> glasstorch.ops]
# name               Function           flags  node                        domain         dtypes
argwhere             -                  m      -                           real           fib
gather               Gather             m2     GatherBackward0             -              fib
getitem              -                  -      -                           -              -
index_add            -                  mi2    IndexAddBackward0           -              fib
index_put            IndexPut           m2     IndexPutBackward0           -              fib
index_put_           -                  c      -                           -              -
index_select         IndexSelect        m2     IndexSelectBackward0        -              fib
masked_fill          MaskedFill         mi2    MaskedFillBackward0         -              fib
masked_scatter       -                  m2     MaskedScatterBackward0      -              fib
masked_select        MaskedSelect       m2     MaskedSelectBackward0       -              fib
nonzero              -                  m      -                           real           fib
scatter              Scatter            mi2    ScatterBackward0            -              fib
scatter_add          ScatterAdd         mi2    ScatterAddBackward0         -              fib
select               _Select            m2     SelectBackward0             -              fib
take                 -                  m2     TakeBackward0               -              fib
take_along_dim       Gather             m2     GatherBackward0             -              fib

[ops.linalg -> glasstorch.ops]
# name               Function           flags  node                        domain         dtypes
addmm                Addmm              mio2   AddmmBackward0              -              fi
baddbmm              -                  mi2    BaddbmmBackward0            -              fi
bmm                  -                  m2     BmmBackward0                -              fi
dot                  Dot                m2     DotBackward0                -              fi
einsum               -                  2      PermuteBackward0            -              fib
ger                  -                  m2     MulBackward0                -              fib
inner                -                  m2     MulBackward0                -              fib
matmul               Dot                m2     DotBackward0                -              fi
mm                   MatMul             m2     MmBackward0                 -              fi
mv                   -                  m2     MvBackward0                 -              fib
outer                -                  m2     MulBackward0                -              fib
tensordot            -                  2      ViewBackward0               -              fi
vdot                 -                  m2     VdotBackward0               -              fi

[ops.pointwise -> glasstorch.ops]
# name               Function           flags  node                        domain         dtypes
abs                  Abs                mi2    AbsBackward0                away0          fi
absolute             Abs                mi2    AbsBackward0                real           fi
acos                 Acos               mio2   AcosBackward0               unit           fib
add                  Add                mio2   AddBackward0                real,real      fib
allclose             -                  m      -                           real,real      fib
arccos               Acos               mio2   AcosBackward0               unit           fib
arcsin               Asin               mio2   AsinBackward0               unit           fib
arctan               Atan               mio2   AtanBackward0               real           fib
arctan2              Atan2              mi2    Atan2Backward0              away0,away0    fib
asin                 Asin               mio2   AsinBackward0               unit           fib
atan                 Atan               mio2   AtanBackward0               real           fib
atan2                Atan2              mi2    Atan2Backward0              away0,away0    fib
bitwise_and          -                  mi     -                           -              -
bitwise_not          -                  mi     -                           -              -
bitwise_or           -                  mi     -                           -              -
bitwise_xor          -                  mi     -                           -              -
ceil                 Ceil               mio    CeilBackward0               frac           fi
clamp                -                  mio2   ClampBackward1              -              fib
clamp_max            -                  mi2    ClampMaxBackward1           -              fib
clamp_min            -                  mi2    ClampMinBackward1           -              fib
clip                 -                  mio2   ClampBackward1              -              fib
cos                  Cos                mio2   CosBackward0                real           fib
cosh                 Cosh               mio2   CoshBackward0               real           fib
div                  Div                mio2   DivBackward0                real,away0     fib
divide               Div                mio    DivBackward0                real,away0     fib
eq                   -                  mio    -                           grid,grid      fib
equal                -                  m      -                           real,real      fib
erf                  Erf                mio2   ErfBackward0                wide           fib
exp                  Exp                mio2   ExpBackward0                real           fib
exp2                 Exp2               mio2   Exp2Backward0               real           fib
expm1                Expm1              mio2   Expm1Backward0              real           fib
fix                  Trunc              mio    TruncBackward0              real           fi
float_power          Pow                mio2   PowBackward1                pos,real       fib
floor                Floor              mio    FloorBackward0              frac           fi
floor_divide         -                  mi     -                           -              -
fmax                 -                  m2     FmaxBackward0               real,real      fib
fmin                 -                  m2     FminBackward0               real,real      fib
fmod                 -                  mi2    FmodBackward1               pos,pos        fi
frac                 Frac               mi2    FracBackward0               frac           f
ge                   -                  mio    -                           grid,grid      fib
greater              -                  mio    -                           grid,grid      fib
greater_equal        -                  mio    -                           real,real      fib
gt                   -                  mio    -                           grid,grid      fib
isclose              -                  m      -                           real,real      fib
isfinite             -                  m      -                           special        fib
isinf                -                  m      -                           special        fib
isnan                -                  m      -                           special        fib
isneginf             -                  m      -                           special        fib
isposinf             -                  m      -                           special        fib
le                   -                  mio    -                           grid,grid      fib
lerp                 -                  mi2    LerpBackward1               -              f
less                 -                  mio    -                           real,real      fib
less_equal           -                  mio    -                           grid,grid      fib
log                  Log                mio2   LogBackward0                pos            fib
log10                Log10              mio2   Log10Backward0              pos            fib
log1p                Log1p              mio2   Log1PBackward0              pos            fib
log2                 Log2               mio2   Log2Backward0               pos            fib
logical_and          -                  mio    -                           grid,grid      fib
logical_not          -                  mi     -                           grid           fib
logical_or           -                  mio    -                           grid,grid      fib
logical_xor          -                  mio    -                           grid,grid      fib
lt                   -                  mio    -                           grid,grid      fib
maximum              Maximum            m2     MaximumBackward0            real,real      fib
minimum              Minimum            m2     MinimumBackward0            real,real      fib
mul                  Mul                mio2   MulBackward0                real,real      fib
multiply             Mul                mio2   MulBackward0                real,real      fib
nan_to_num           NanToNum           mi2    NanToNumBackward0           away0          fib
ne                   -                  mio    -                           grid,grid      fib
neg                  Neg                mi2    NegBackward0                real           fi
negative             Neg                mi2    NegBackward0                real           fi
not_equal            -                  mio    -                           grid,grid      fib
pow                  Pow                mio2   PowBackward1                pos,real       fi
reciprocal           Reciprocal         mio2   ReciprocalBackward0         away0          fib
relu                 Relu               mi2    ReluBackward0               away0          fi
remainder            -                  mi2    RemainderBackward1          pos,pos        f
round                Round              mi     RoundBackward0              frac           fi
rsqrt                Rsqrt              mio2   RsqrtBackward0              pos            fib
rsub                 -                  2      RsubBackward0               real,real      fi
sigmoid              Sigmoid            mio2   SigmoidBackward0            wide           fib
sign                 Sign               mi     SignBackward0               away0          fib
sin                  Sin                mio2   SinBackward0                real           fib
sinh                 Sinh               mio2   SinhBackward0               real           fib
sqrt                 Sqrt               mio2   SqrtBackward0               pos            fib
square               PowScalar          mi2    PowBackward0                real           fib
sub                  Sub                mio2   SubBackward0                real,real      fi
subtract             Sub                mio2   SubBackward0                real,real      fi
tan                  Tan                mio2   TanBackward0                unit           fib
tanh                 Tanh               mio2   TanhBackward0               real           fib
true_divide          Div                mio2   DivBackward0                real,away0     fib
trunc                Trunc              mio    TruncBackward0              frac           fi
where                Where              c2     WhereBackward0              -              fib

[ops.reduce -> glasstorch.ops]
# name               Function           flags  node                        domain         dtypes
all                  -                  m      -                           real           fib
amax                 Amax               m2     AmaxBackward0               -              fib
amin                 Amin               m2     AminBackward0               -              fib
aminmax              Aminmax            m2     AminmaxBackward0            -              fib
any                  -                  m      -                           real           fib
argmax               -                  m      -                           -              -
argmin               -                  m      -                           -              -
argsort              -                  c      -                           -              -
count_nonzero        -                  m      -                           real           fib
cummax               Cummax             m2     CummaxBackward0             -              fib
cummin               Cummin             m2     CumminBackward0             -              fib
cumprod              Cumprod            m2     CumprodBackward0            -              fib
cumsum               Cumsum             m2     CumsumBackward0             -              fib
kthvalue             Kthvalue           m2     KthvalueBackward0           -              fi
log_softmax          LogSoftmax         m2     LogSoftmaxBackward0         -              f
logsumexp            Logsumexp          m2     LogsumexpBackward0          -              fib
max                  MaxDim             m2     MaxBackward0                -              fib
mean                 MeanAll            m2     MeanBackward0               real           f
median               MedianAll          m2     MedianBackward0             -              fi
min                  -                  m2     MinimumBackward0            -              fib
norm                 Norm               co2    LinalgVectorNormBackward0   real           f
prod                 ProdAll            m2     ProdBackward0               real           fib
softmax              Softmax            m2     SoftmaxBackward0            -              f
softmin              -                  -      -                           -              -
sort                 Sort               c2     SortBackward0               -              fib
std                  Std                m2     StdBackward0                real           f
std_mean             -                  2      StdMeanBackward0            -              f
sum                  SumAll             m2     SumBackward0                real           fib
sum_to_size          -                  m      -                           -              -
topk                 Topk               c2     TopkBackward0               -              fi
var                  Var                m2     VarBackward0                real           f
var_mean             -                  2      VarMeanBackward0            -              f

[ops.shape -> glasstorch.ops]
# name               Function           flags  node                        domain         dtypes
adjoint              Transpose          m2     TransposeBackward0          -              fib
atleast_1d           Reshape            2      ViewBackward0               -              fib
atleast_2d           -                  2      UnsqueezeBackward0          -              fib
atleast_3d           Unsqueeze          2      UnsqueezeBackward0          -              fib
broadcast_shapes     -                  -      -                           -              -
broadcast_tensors    Expand             2      ExpandBackward0             -              fib
broadcast_to         Expand             m2     ExpandBackward0             -              fib
cat                  Cat                o2     CatBackward0                -              fib
chunk                Split              m2     SplitBackward0              -              fib
clone                Clone              m2     CloneBackward0              real           fib
column_stack         Cat                2      CatBackward0                -              fib
concat               Cat                o2     CatBackward0                -              fib
concatenate          Cat                o2     CatBackward0                -              fib
contiguous           -                  m      -                           -              -
diag                 -                  m2     DiagonalBackward0_copy      -              fib
diag_embed           -                  m2     DiagEmbedBackward0          -              fib
diagonal             Diagonal           m2     DiagonalBackward0           -              fib
dstack               Cat                2      CatBackward0                -              fib
expand               -                  v      -                           -              -
expand_as            -                  m      -                           -              -
flatten              Reshape            m2     ViewBackward0               real           fib
flip                 Flip               c2     FlipBackward0               -              fib
fliplr               Flip               m2     FlipBackward0               -              fib
flipud               Flip               m2     FlipBackward0               -              fib
hstack               Cat                2      CatBackward0                -              fib
moveaxis             -                  m2     PermuteBackward0             -              fib
movedim              Permute            m2     PermuteBackward0            -              fib
narrow               Narrow             m2     SliceBackward0              -              fib
permute              Permute            v2     PermuteBackward0            -              fib
repeat               -                  v      -                           -              -
repeat_interleave    -                  m2     IndexSelectBackward0        -              fib
reshape              Reshape            v2     ViewBackward0               -              fib
reshape_as           -                  m      -                           -              -
roll                 Roll               m2     RollBackward0               -              fib
rot90                -                  m2     Rot90Backward0              -              fib
row_stack            Cat                2      CatBackward0                -              fib
split                Split              m2     SplitBackward0              -              fib
squeeze              Squeeze            m2     SqueezeBackward0            real           fib
stack                Stack              o2     StackBackward0              -              fib
swapaxes             Transpose          m2     TransposeBackward0          -              fib
swapdims             -                  m2     TransposeBackward0          -              fib
t                    T                  m2     TBackward0                  real           fib
tensor_split         Narrow             m2     SliceBackward0              -              fib
tile                 Repeat             m2     RepeatBackward0             -              fib
transpose            Transpose          m2     TransposeBackward0          -              fib
tril                 Tril               mi2    TrilBackward0               -              fib
triu                 Triu               mi2    TriuBackward0               -              fib
unbind               Unbind             m2     UnbindBackward0             -              fib
unflatten            Reshape            c2     ViewBackward0               -              fib
unsqueeze            Unsqueeze          m2     UnsqueezeBackward0          -              fib
view                 -                  v      -                           -              -
view_as              -                  m      -                           -              -
vstack               Cat                2      CatBackward0                -              fib

[ops.fft -> glasstorch]
# name               Function           flags  node                        domain         dtypes
angle                -                  m      -                           -              -
complex              Complex            2      ComplexBackward0            -              f
conj                 -                  m      -                           -              -
imag                 -                  c      -                           -              -
real                 -                  c      -                           -              -
view_as_complex      -                  2      ViewAsComplexBackward0      -              f
view_as_real         -                  -      -                           -              -

[ops.distance -> glasstorch]
# name               Function           flags  node                        domain         dtypes
cdist                -                  2      CdistBackward0              -              f
nanmean              -                  m2     DivBackward0                real           f
nansum               -                  m2     NansumBackward0             real           fib

[linalg:TOP_LEVEL -> glasstorch]
# name               Function           flags  node                        domain         dtypes
det                  decomp.Det         m2     LinalgDetBackward0          -              f
inverse              decomp.Inv         mo2    LinalgInvExBackward0        -              f
logdet               -                  m2     WhereBackward0              -              f
matrix_power         -                  mo2    MmBackward0                 -              fi
pinverse             decomp.Pinv        m2     LinalgPinvBackward0         -              f
slogdet              decomp.Slogdet     m2     LinalgSlogdetBackward0      -              f

[special:TOP_LEVEL -> glasstorch]
# name               Function           flags  node                        domain         dtypes
digamma              special.Polygamma  mo2    DigammaBackward0            -              fib
erfc                 special.Erfc       mo2    ErfcBackward0               real           fib
erfinv               special.Erfinv     mo2    ErfinvBackward0             unit           fib
i0                   special.BesselI    mo2    I0Backward0                 real           fib
lgamma               special.Gammaln    mo2    LgammaBackward0             real           fib
logit                -                  mo2    LogitBackward0              -              fib
mvlgamma             -                  co2    MvlgammaBackward0           -              fi
polygamma            special.Polygamma  co2    PolygammaBackward0          -              fib
sinc                 special.Sinc       mo2    SincBackward0               real           fib
xlogy                special.Xlogy      mo2    XlogyBackward0              real,pos       fib

[random -> glasstorch]
# name               Function           flags  node                        domain         dtypes
bernoulli            -                  ci     -                           -              -
multinomial          -                  c      -                           -              -
normal               -                  io     -                           -              -
poisson              -                  -      -                           -              -
rand                 -                  o      -                           -              -
rand_like            -                  -      -                           -              f
randint              -                  -      -                           -              -
randint_like         -                  -      -                           -              -
randn                -                  o      -                           -              -
randn_like           -                  -      -                           -              f
randperm             -                  -      -                           -              -
"""


class Entry(NamedTuple):
    """One op, as declared in ``TABLE``."""

    name: str
    module: str  # "ops.pointwise": where the function lives, relative to glasstorch
    exported_by: str  # "glasstorch.ops" (built here) or "glasstorch" (installed by its module)
    function: str | None  # the Function class name, or None
    flags: str
    node: str | None  # torch's backward node name, or None
    domain: tuple  # one test domain per tensor operand; () when there is no generic call
    dtypes: str

    @property
    def method(self) -> bool:
        return any(f in self.flags for f in "mvc")

    @property
    def inplace(self) -> bool:
        return "i" in self.flags

    @property
    def out(self) -> bool:
        return "o" in self.flags

    @property
    def twice_differentiable(self) -> bool:
        return "2" in self.flags

    def resolve(self):
        """The public function (imports its module)."""
        module, _, table = self.module.partition(":")
        mod = importlib.import_module("glasstorch." + module)
        return getattr(mod, table)[self.name] if table else getattr(mod, self.name)

    def function_class(self):
        """The Function class, or None."""
        if self.function is None:
            return None
        family, _, cls = self.function.rpartition(".")
        module = "ops." + family if family else self.module.partition(":")[0]
        return getattr(importlib.import_module("glasstorch." + module), cls)


def _parse(table: str) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    module = exported_by = ""
    for line in table.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            module, _, exported_by = (part.strip() for part in line.strip("[]").partition("->"))
            continue
        name, function, flags, node, domain, dtypes = line.split()
        if name in entries:
            raise ValueError(f"op registry: {name} is declared twice")
        entries[name] = Entry(
            name, module, exported_by,
            None if function == "-" else function,
            "" if flags == "-" else flags,
            None if node == "-" else node,
            () if domain == "-" else tuple(domain.split(",")),
            dtypes,
        )
    return entries


OPS: dict[str, Entry] = _parse(TABLE)


def functions(exported_by: str = "glasstorch.ops") -> dict:
    """``{name: function}`` of the ops a namespace exports, resolved now."""
    modules: dict = {}
    out = {}
    for e in OPS.values():
        if e.exported_by == exported_by:
            mod = modules.get(e.module)
            if mod is None:
                mod = modules[e.module] = importlib.import_module("glasstorch." + e.module)
            out[e.name] = getattr(mod, e.name)
    return out


def with_flag(flag: str, exported_by: str = "glasstorch.ops") -> list[str]:
    """Names of the ops of a namespace that carry ``flag``, in table order."""
    return [e.name for e in OPS.values() if flag in e.flags and e.exported_by == exported_by]
