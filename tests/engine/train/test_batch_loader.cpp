// The batch loader's shards for data-parallel training: each rank's slice of an epoch's order is
// disjoint from the others', the same size on every rank (so that every rank takes the same
// number of steps), covers all but the few left over, and changes every epoch; evaluation's
// slices cover every image exactly once.
#include "batch_loader.h"
#include "dataset.h"

#include <QTest>

#include <algorithm>
#include <set>
#include <vector>

using namespace normlab;

namespace {

// The dataset positions a rank's loader gives out in one epoch, in order.
std::vector<std::int64_t> shardOf(const Dataset &data, int rank, int world, int epoch,
                                  bool training)
{
    BatchLoaderOptions options;
    options.batchSize = 8;
    options.shuffle = training;
    options.evenShards = training;
    options.rank = rank;
    options.worldSize = world;
    options.seed = 3;
    BatchLoader loader(data, Augmenter(), NormalizeConfig {}, options);
    loader.startEpoch(epoch);
    std::vector<std::int64_t> seen;
    while (std::optional<Batch> batch = loader.next())
        seen.insert(seen.end(), batch->indices.begin(), batch->indices.end());
    if (seen.size() != loader.imagesPerEpoch())
        qFatal("a loader gave %zu images of the %zu it promised", seen.size(),
               loader.imagesPerEpoch());
    return seen;
}

} // namespace

class TestBatchLoader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void trainingShards_data();
    void trainingShards();
    void evaluationShardsCoverEveryImage_data();
    void evaluationShardsCoverEveryImage();

private:
    DatasetPair m_data;
};

void TestBatchLoader::initTestCase()
{
    DataConfig config;
    config.source = "synthetic";
    config.syntheticTrain = 103; // a prime: never a multiple of the world
    config.syntheticTest = 37;
    m_data = loadDatasets(config);
}

void TestBatchLoader::trainingShards_data()
{
    QTest::addColumn<int>("world");
    QTest::newRow("1 rank") << 1;
    QTest::newRow("2 ranks") << 2;
    QTest::newRow("3 ranks") << 3;
    QTest::newRow("7 ranks") << 7;
}

void TestBatchLoader::trainingShards()
{
    QFETCH(int, world);
    const std::size_t n = m_data.train.size();
    const std::size_t each = n / static_cast<std::size_t>(world);
    std::vector<std::set<std::int64_t>> firstEpoch;
    std::set<std::int64_t> all;
    for (int epoch = 1; epoch <= 2; ++epoch) {
        std::set<std::int64_t> union_;
        for (int r = 0; r < world; ++r) {
            const std::vector<std::int64_t> shard = shardOf(m_data.train, r, world, epoch, true);
            QCOMPARE(shard.size(), each);
            const std::set<std::int64_t> distinct(shard.begin(), shard.end());
            QCOMPARE(distinct.size(), each);
            for (std::int64_t i : shard) {
                QVERIFY(i >= 0 && static_cast<std::size_t>(i) < n);
                QVERIFY2(union_.insert(i).second, "two ranks share an image");
            }
            if (epoch == 1)
                firstEpoch.push_back(distinct);
            else if (world > 1)
                QVERIFY2(distinct != firstEpoch[static_cast<std::size_t>(r)],
                         "a rank's shard did not change between epochs");
        }
        QCOMPARE(union_.size(), each * static_cast<std::size_t>(world));
        all.insert(union_.begin(), union_.end());
    }
    if (world == 1)
        QCOMPARE(all.size(), n);
    // The same rank, epoch and seed: the same shard in the same order (a resumed run redoes it).
    QCOMPARE(shardOf(m_data.train, world - 1, world, 5, true),
             shardOf(m_data.train, world - 1, world, 5, true));
}

void TestBatchLoader::evaluationShardsCoverEveryImage_data()
{
    trainingShards_data();
}

void TestBatchLoader::evaluationShardsCoverEveryImage()
{
    QFETCH(int, world);
    std::vector<std::int64_t> together;
    for (int r = 0; r < world; ++r) {
        const std::vector<std::int64_t> shard = shardOf(m_data.test, r, world, 0, false);
        together.insert(together.end(), shard.begin(), shard.end());
    }
    std::vector<std::int64_t> expected(m_data.test.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        expected[i] = static_cast<std::int64_t>(i);
    QCOMPARE(together, expected); // in order, each once
}

QTEST_GUILESS_MAIN(TestBatchLoader)
#include "test_batch_loader.moc"
