"""Outgrowing one machine: chainnet's formula encodes the data, PyTorch DistributedDataParallel trains.

    torchrun --standalone --nproc_per_node=1 examples/torch_ddp.py      # one CPU process (gloo)
    torchrun --nnodes=4 --nproc_per_node=8 ... examples/torch_ddp.py    # the same script on a cluster

Each process encodes its own shard of the rows with the formula fitted by chainnet (levels, scale()
parameters and standardisation of the training data), so every rank builds the same design columns.
"""

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

from chainnet import NeuralNetwork, datasets
from chainnet.export import from_torch, tensors

dist.init_process_group("gloo")                      # "nccl" on GPUs; torchrun provides rank and world size
rank, world = dist.get_rank(), dist.get_world_size()

data = datasets.load_penguins().dropna().reset_index(drop=True)
train, test = datasets.split(data, test=0.2, seed=1)
# 1. chainnet fixes the encoding (formula, levels, standardisation) and the initial weights: same seed, same net
net = NeuralNetwork("species ~ . - year", data=train, hidden=[10, 5], activation="relu", standardize=True, seed=1)

# 2. every rank encodes its own rows through the formula: X (n, D) with the intercept column, T one-hot (n, 3)
X, T = tensors(net, train.iloc[rank::world])

# 3. torch trains the logits network (to_torch() ends with the softmax; [:-1] drops it) on summed cross-entropy,
#    the loss chainnet minimises; DDP averages the gradients over the ranks after each backward pass
model = DDP(net.to_torch()[:-1])
loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
opt = torch.optim.Adam(model.parameters(), lr=0.01)
g = torch.Generator().manual_seed(rank)
for epoch in range(100):
    for rows in torch.randperm(len(X), generator=g).split(32):
        opt.zero_grad()
        loss = loss_fn(model(X[rows]), T[rows])
        loss.backward()
        opt.step()

# 4. back in chainnet: the formula predicts on raw data frames, and the model saves without pickle
if rank == 0:
    from_torch(net, model.module)
    print(f"world size {world}: test accuracy {net.accuracy(test):.4f}")
    net.save("penguins_ddp.npz")
dist.destroy_process_group()
