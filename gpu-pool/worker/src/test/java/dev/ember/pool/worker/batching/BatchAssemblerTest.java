package dev.ember.pool.worker.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchAssemblerTest {
    @Test
    void copiesInPiecesWhatACopyInTurnWouldCopy() {
        Random random = new Random(7);
        List<ByteBuffer> sources = new ArrayList<>();
        int total = 0;
        // Sizes around the 1 MiB piece: smaller, exactly one, several plus a remainder; one source
        // sliced from the middle of a larger buffer (its position is not 0).
        for (int size : new int[] {3, 1 << 20, (3 << 20) + 17, 5000}) {
            byte[] bytes = new byte[size + 100];
            random.nextBytes(bytes);
            sources.add(ByteBuffer.wrap(bytes, 50, size));
            total += size;
        }
        ByteBuffer inTurn = ByteBuffer.allocateDirect(total);
        ByteBuffer inPieces = ByteBuffer.allocateDirect(total);

        BatchAssembler.copy(sources, inTurn, false);
        BatchAssembler.copy(sources, inPieces, true);

        assertEquals(0, inPieces.position(), "the region's position is left alone");
        assertEquals(inTurn, inPieces);
        int at = 0;
        for (ByteBuffer src : sources) {
            assertEquals(50, src.position(), "a source's position is left alone");
            assertEquals(src, inPieces.slice(at, src.remaining()));
            at += src.remaining();
        }
    }
}
