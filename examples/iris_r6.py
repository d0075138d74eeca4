"""The R6 post's session in chainnet: Species ~ ., five sigmoid units, 9999 iterations at learn_rate 1e-4.

The post printed (R, its own random start):   Iteration 1000 Loss 151.05 Accuracy 0.68 ... Iteration 9000
Loss 20.79 Accuracy 0.98. Run: python examples/iris_r6.py
"""

from chainnet import NeuralNetwork, datasets

iris = datasets.load_iris()
irisnet = NeuralNetwork("Species ~ .", data=iris, hidden=5, seed=1)
irisnet.train(9999, trace=1000, learn_rate=1e-4)          # the trace goes to stderr, like R's message()

print(irisnet)
print("accuracy by iteration (the post's table):")
print(irisnet.history.iloc[999::1000][["loss", "accuracy"]].to_string())
print(f"final training accuracy {irisnet.accuracy():.4f}")

newdata = iris.sample(5, random_state=3)
print("irisnet.train(1000).predict(newdata):")
print(irisnet.train(1000, trace=0).predict(newdata).to_string())
